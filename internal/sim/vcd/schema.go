package vcd

import (
	"encoding/xml"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

// The types below serialise the bodies whose go-vcloud-director type does
// not follow the element order or content of VMware's XSDs
// (vcd-api-schemas). Real Cloud Director writes its bodies by the schema:
// inherited elements first (Link before everything of EntityType, which
// comes before OrgType's FullName, before AdminOrgType's Settings, ...).
// govcd decodes by element name, so it reads these just as well.

// versionsXML is SupportedVersionsType of the versions schema.
type versionsXML struct {
	Xmlns       string           `xml:"xmlns,attr"`
	VersionInfo []versionInfoXML `xml:"VersionInfo"`
}

// versionInfoXML is VersionInfoType: Version and LoginUrl only (govcd's
// VersionInfo adds an empty ProviderLoginUrl the schema does not have).
type versionInfoXML struct {
	Deprecated bool   `xml:"deprecated,attr"`
	Version    string `xml:"Version"`
	LoginURL   string `xml:"LoginUrl"`
}

// orgListXML is OrgListType: its Org elements are references, not orgs.
type orgListXML struct {
	Xmlns string            `xml:"xmlns,attr"`
	HREF  string            `xml:"href,attr"`
	Type  string            `xml:"type,attr"`
	Org   []types.Reference `xml:"Org"`
}

// orgXML is OrgType in schema order.
type orgXML struct {
	Xmlns       string         `xml:"xmlns,attr"`
	HREF        string         `xml:"href,attr"`
	Type        string         `xml:"type,attr"`
	ID          string         `xml:"id,attr"`
	Name        string         `xml:"name,attr"`
	Link        types.LinkList `xml:"Link,omitempty"`
	Description string         `xml:"Description,omitempty"`
	FullName    string         `xml:"FullName"`
	IsEnabled   bool           `xml:"IsEnabled"`
}

// adminOrgXML is AdminOrgType in schema order: Link, Description, Tasks
// (EntityType), FullName, IsEnabled (OrgType), then Settings, Users,
// Groups, Catalogs, Vdcs, Networks.
type adminOrgXML struct {
	XMLName     xml.Name               `xml:"AdminOrg"`
	Xmlns       string                 `xml:"xmlns,attr"`
	HREF        string                 `xml:"href,attr"`
	Type        string                 `xml:"type,attr"`
	ID          string                 `xml:"id,attr"`
	Name        string                 `xml:"name,attr"`
	Link        types.LinkList         `xml:"Link,omitempty"`
	Description string                 `xml:"Description,omitempty"`
	Tasks       *types.TasksInProgress `xml:"Tasks,omitempty"`
	FullName    string                 `xml:"FullName"`
	IsEnabled   bool                   `xml:"IsEnabled"`
	Settings    *types.OrgSettings     `xml:"Settings"`
	Users       *types.OrgUserList     `xml:"Users,omitempty"`
	Groups      *types.OrgGroupList    `xml:"Groups,omitempty"`
	Catalogs    *types.CatalogsList    `xml:"Catalogs,omitempty"`
	Vdcs        *types.VDCList         `xml:"Vdcs,omitempty"`
	Networks    *types.NetworksList    `xml:"Networks,omitempty"`
}

func adminOrgWire(a *types.AdminOrg) adminOrgXML {
	return adminOrgXML{Xmlns: types.XMLNamespaceVCloud, HREF: a.HREF, Type: a.Type, ID: a.ID, Name: a.Name,
		Link: a.Link, Description: a.Description, Tasks: a.Tasks, FullName: a.FullName, IsEnabled: a.IsEnabled,
		Settings: a.OrgSettings, Users: a.Users, Groups: a.Groups, Catalogs: a.Catalogs, Vdcs: a.Vdcs, Networks: a.Networks}
}

// providerVdcXML is ProviderVdcType in schema order: Link, Description,
// Tasks (EntityType), then StorageProfiles before IsEnabled and
// NetworkPoolReferences (govcd's types.ProviderVdc has IsEnabled first).
type providerVdcXML struct {
	Xmlns                 string                         `xml:"xmlns,attr"`
	HREF                  string                         `xml:"href,attr"`
	Type                  string                         `xml:"type,attr"`
	ID                    string                         `xml:"id,attr"`
	Name                  string                         `xml:"name,attr"`
	Status                int                            `xml:"status,attr"`
	StorageProfiles       *types.ProviderStorageProfiles `xml:"StorageProfiles"`
	IsEnabled             bool                           `xml:"IsEnabled"`
	NetworkPoolReferences *types.NetworkPoolReferences   `xml:"NetworkPoolReferences"`
}
