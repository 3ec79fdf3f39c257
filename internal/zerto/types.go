package zerto

import "encoding/json"

// Wire types of the ZVM REST API v1 (Zerto's description for ZVM 10.0 U6,
// reference/zerto-zvm-10.0u6-swagger.json). The description spells
// properties in camelCase; the appliance answers PascalCase (as Zerto's own
// samples read it) and binds requests case-insensitively, and so does
// encoding/json. An object's identifier is in its Link: the description's
// LocalSiteApi, PeerSiteApi, ServiceProfileApi, ZorgApi and VpgApi have no
// identifier property of their own. The XxxIdentifier fields next to some
// Links are read only as a fallback, for ZVMs that send them anyway.

// ResourceLink is Zerto's reference to another object.
type ResourceLink struct {
	Href       string `json:"href,omitempty"`
	Identifier string `json:"identifier,omitempty"`
	Rel        string `json:"rel,omitempty"`
	Type       string `json:"type,omitempty"`
}

// LocalSite is GET /v1/localsite (getLocalSiteAll).
type LocalSite struct {
	SiteIdentifier string       `json:"SiteIdentifier,omitempty"`
	SiteName       string       `json:"SiteName"`
	SiteType       string       `json:"SiteType"`
	Version        string       `json:"Version,omitempty"`
	Location       string       `json:"Location,omitempty"`
	Link           ResourceLink `json:"Link"`
}

// ID returns the local site's identifier.
func (l LocalSite) ID() string {
	if l.Link.Identifier != "" {
		return l.Link.Identifier
	}
	return l.SiteIdentifier
}

// PeerSite is one entry of GET /v1/peersites (getPeerAll).
type PeerSite struct {
	PeerSiteName   string       `json:"PeerSiteName"`
	SiteType       string       `json:"SiteType"`
	Location       string       `json:"Location,omitempty"`
	HostName       string       `json:"HostName,omitempty"`
	Port           int          `json:"Port,omitempty"`
	Link           ResourceLink `json:"Link"`
	SiteIdentifier string       `json:"SiteIdentifier,omitempty"`
}

// ID returns the peer site's identifier.
func (p PeerSite) ID() string {
	if p.Link.Identifier != "" {
		return p.Link.Identifier
	}
	return p.SiteIdentifier
}

// VirtualizationSite is one entry of GET /v1/virtualizationsites.
type VirtualizationSite struct {
	SiteIdentifier         string `json:"SiteIdentifier"`
	VirtualizationSiteName string `json:"VirtualizationSiteName"`
}

// OrgVdc is one entry of GET /v1/virtualizationsites/{site}/orgvdcs.
type OrgVdc struct {
	Identifier string `json:"Identifier"`
	OrgVdcName string `json:"OrgVdcName"`
}

// Network is one entry of GET …/orgvdcs/{id}/networks.
type Network struct {
	NetworkIdentifier         string `json:"NetworkIdentifier"`
	VirtualizationNetworkName string `json:"VirtualizationNetworkName"`
}

// VcdVapp is one entry of GET /v1/virtualizationsites/{site}/vcdvapps.
type VcdVapp struct {
	VcdName           string `json:"VcdName"`
	VcdVappIdentifier string `json:"VcdVappIdentifier"`
}

// ServiceProfile is one entry of GET /v1/serviceprofiles.
type ServiceProfile struct {
	ServiceProfileIdentifier string       `json:"ServiceProfileIdentifier,omitempty"`
	ServiceProfileName       string       `json:"ServiceProfileName"`
	Description              string       `json:"Description,omitempty"`
	RPO                      string       `json:"Rpo,omitempty"`
	History                  string       `json:"History,omitempty"`
	Link                     ResourceLink `json:"Link"`
}

// ID returns the profile's identifier.
func (p ServiceProfile) ID() string {
	if p.Link.Identifier != "" {
		return p.Link.Identifier
	}
	return p.ServiceProfileIdentifier
}

// Zorg is one entry of GET /v1/zorgs.
type Zorg struct {
	ZorgIdentifier string       `json:"ZorgIdentifier,omitempty"`
	ZorgName       string       `json:"ZorgName"`
	Link           ResourceLink `json:"Link"`
}

// ID returns the ZORG's identifier.
func (z Zorg) ID() string {
	if z.Link.Identifier != "" {
		return z.Link.Identifier
	}
	return z.ZorgIdentifier
}

// StoragePolicy is one entry of GET …/orgvdcs/{id}/storagepolicies
// (StoragePolicyApi).
type StoragePolicy struct {
	StoragePolicyIdentifier string `json:"StoragePolicyIdentifier"`
	StoragePolicyName       string `json:"StoragePolicyName"`
	IsEnabled               bool   `json:"IsEnabled"`
}

// VpgSettings is a settings object (VpgSettingsApi): the draft of a new VPG
// or an editable copy of an existing one. Only properties the description
// defines are sent (a ZVM may ignore others silently). Parts tenantops does
// not manage are kept as read (json.RawMessage), so an edit of a copy
// leaves what an operator set in Zerto (scripts, boot groups, NICs) as it
// was.
type VpgSettings struct {
	VpgIdentifier         string                `json:"VpgIdentifier,omitempty"`
	VpgSettingsIdentifier string                `json:"VpgSettingsIdentifier,omitempty"`
	Basic                 *VpgSettingsBasic     `json:"Basic,omitempty"`
	Scripting             json.RawMessage       `json:"Scripting,omitempty"`
	BootGroups            json.RawMessage       `json:"BootGroups,omitempty"`
	Journal               *VpgSettingsJournal   `json:"Journal,omitempty"`
	Scratch               json.RawMessage       `json:"Scratch,omitempty"`
	LongTermRetention     json.RawMessage       `json:"LongTermRetention,omitempty"`
	Recovery              *VpgSettingsRecovery  `json:"Recovery,omitempty"`
	Networks              *VpgSettingsNetworks  `json:"Networks,omitempty"`
	Vms                   []VpgSettingsVM       `json:"Vms,omitempty"`
	Protected             *VpgSettingsProtected `json:"Protected,omitempty"`
}

// VpgSettingsBasic is VpgSettingsBasicApi.
type VpgSettingsBasic struct {
	Name                     string `json:"Name"`
	VpgType                  string `json:"VpgType,omitempty"`
	RpoInSeconds             int64  `json:"RpoInSeconds"`
	TestIntervalInMinutes    int64  `json:"TestIntervalInMinutes,omitempty"`
	JournalHistoryInHours    int64  `json:"JournalHistoryInHours"`
	Priority                 string `json:"Priority"`
	UseWanCompression        bool   `json:"UseWanCompression"`
	ServiceProfileIdentifier string `json:"ServiceProfileIdentifier,omitempty"`
	ZorgIdentifier           string `json:"ZorgIdentifier,omitempty"`
	ProtectedSiteIdentifier  string `json:"ProtectedSiteIdentifier,omitempty"`
	RecoverySiteIdentifier   string `json:"RecoverySiteIdentifier,omitempty"`
}

// VpgSettingsJournal is VpgSettingsJournalApi.
type VpgSettingsJournal struct {
	Limitation                 *JournalLimitation `json:"Limitation,omitempty"`
	DatastoreIdentifier        string             `json:"DatastoreIdentifier,omitempty"`
	DatastoreClusterIdentifier string             `json:"DatastoreClusterIdentifier,omitempty"`
}

// JournalLimitation is VpgSettingsJournalLimitationApi.
type JournalLimitation struct {
	HardLimitInMB             int64 `json:"HardLimitInMB,omitempty"`
	HardLimitInPercent        int64 `json:"HardLimitInPercent,omitempty"`
	WarningThresholdInMB      int64 `json:"WarningThresholdInMB,omitempty"`
	WarningThresholdInPercent int64 `json:"WarningThresholdInPercent,omitempty"`
}

// VpgSettingsRecovery is VpgSettingsRecoveryApi; the vCenter and public
// cloud parts are kept as read.
type VpgSettingsRecovery struct {
	DefaultHostIdentifier             string          `json:"DefaultHostIdentifier,omitempty"`
	DefaultHostClusterIdentifier      string          `json:"DefaultHostClusterIdentifier,omitempty"`
	DefaultDatastoreIdentifier        string          `json:"DefaultDatastoreIdentifier,omitempty"`
	DefaultDatastoreClusterIdentifier string          `json:"DefaultDatastoreClusterIdentifier,omitempty"`
	DefaultFolderIdentifier           string          `json:"DefaultFolderIdentifier,omitempty"`
	ResourcePoolIdentifier            string          `json:"ResourcePoolIdentifier,omitempty"`
	VCD                               *VcdRecovery    `json:"VCD,omitempty"`
	PublicCloud                       json.RawMessage `json:"PublicCloud,omitempty"`
}

// VcdRecovery is VpgSettingsVcdRecoveryApi: the org VDC the VMs recover into.
type VcdRecovery struct {
	OrgVdcIdentifier string `json:"OrgVdcIdentifier"`
}

// VpgSettingsNetworks is VpgSettingsNetworksApi.
type VpgSettingsNetworks struct {
	Failover     *VpgSettingsNetwork `json:"Failover,omitempty"`
	FailoverTest *VpgSettingsNetwork `json:"FailoverTest,omitempty"`
}

// VpgSettingsNetwork is VpgSettingsNetworkApi; the hypervisor and public
// cloud parts are kept as read.
type VpgSettingsNetwork struct {
	VCD         *VcdNetwork     `json:"VCD,omitempty"`
	Hypervisor  json.RawMessage `json:"Hypervisor,omitempty"`
	PublicCloud json.RawMessage `json:"PublicCloud,omitempty"`
}

// VcdNetwork is VpgSettingsVcdNetworkApi: the recovery network VMs
// connect to by default and per protected network.
type VcdNetwork struct {
	DefaultRecoveryOrgVdcNetworkIdentifier string           `json:"DefaultRecoveryOrgVdcNetworkIdentifier,omitempty"`
	IsEnableGuestCustomization             bool             `json:"IsEnableGuestCustomization"`
	CopyNATRules                           string           `json:"CopyNATRules,omitempty"`
	Mapping                                []NetworkMapping `json:"Mapping,omitempty"`
}

// NetworkMapping is VpgSettingsVcdNetworksMappingApi: a protected org VDC
// network and the recovery org VDC network its VMs connect to.
type NetworkMapping struct {
	ProtectedOrgVdcNetworkIdentifier   string `json:"ProtectedOrgVdcNetworkIdentifier"`
	RecoveryOrgVdcNetworkIdentifier    string `json:"RecoveryOrgVdcNetworkIdentifier"`
	ReverseTestOrgVdcNetworkIdentifier string `json:"ReverseTestOrgVdcNetworkIdentifier,omitempty"`
}

// VpgSettingsProtected is VpgSettingsProtectedApi.
type VpgSettingsProtected struct {
	VCD *VcdProtected `json:"VCD,omitempty"`
}

// VcdProtected is VpgSettingsVcdProtectedApi. The description gives it one
// property: the protected Cloud Director vApp. There is no way to protect
// an org VDC as such.
type VcdProtected struct {
	VcdVappIdentifier string `json:"VcdVappIdentifier,omitempty"`
}

// VpgSettingsVM is VpgSettingsVmApi: a protected VM and where it recovers.
type VpgSettingsVM struct {
	VMIdentifier        string          `json:"VmIdentifier"`
	Recovery            *VMRecovery     `json:"Recovery,omitempty"`
	BootGroupIdentifier string          `json:"BootGroupIdentifier,omitempty"`
	Journal             json.RawMessage `json:"Journal,omitempty"`
	Scratch             json.RawMessage `json:"Scratch,omitempty"`
	Volumes             json.RawMessage `json:"Volumes,omitempty"`
	Nics                json.RawMessage `json:"Nics,omitempty"`
}

// VMRecovery is VpgSettingsVmRecoveryApi; the vCenter and public cloud
// parts are kept as read.
type VMRecovery struct {
	HostIdentifier             string          `json:"HostIdentifier,omitempty"`
	HostClusterIdentifier      string          `json:"HostClusterIdentifier,omitempty"`
	DatastoreIdentifier        string          `json:"DatastoreIdentifier,omitempty"`
	DatastoreClusterIdentifier string          `json:"DatastoreClusterIdentifier,omitempty"`
	FolderIdentifier           string          `json:"FolderIdentifier,omitempty"`
	ResourcePoolIdentifier     string          `json:"ResourcePoolIdentifier,omitempty"`
	VCD                        *VMVcdRecovery  `json:"VCD,omitempty"`
	PublicCloud                json.RawMessage `json:"PublicCloud,omitempty"`
}

// VMVcdRecovery is VpgSettingsVmVcdRecoveryApi: the recovery org VDC's
// storage policy for the VM's volumes, which a VM recovering into Cloud
// Director needs (ZertoPublic/ZertoApiWrapper#129: settings without it
// are refused).
type VMVcdRecovery struct {
	StoragePolicyIdentifier string `json:"StoragePolicyIdentifier"`
}

// StoragePolicyID returns the VM's recovery storage policy, or "".
func (v VpgSettingsVM) StoragePolicyID() string {
	if v.Recovery == nil || v.Recovery.VCD == nil {
		return ""
	}
	return v.Recovery.VCD.StoragePolicyIdentifier
}

// Task states (TaskStatusEnumApi).
const (
	TaskInProgress          = 1
	TaskWaitingForUserInput = 2
	TaskPaused              = 3
	TaskFailed              = 4
	TaskStopped             = 5
	TaskCompleted           = 6
	TaskCancelling          = 7
)

// Task is GET /v1/tasks/{id} (TaskApi).
type Task struct {
	Link            ResourceLink        `json:"Link"`
	Type            string              `json:"Type"`
	Status          TaskStatus          `json:"Status"`
	InitiatedBy     string              `json:"InitiatedBy,omitempty"`
	Started         string              `json:"Started,omitempty"`
	Completed       string              `json:"Completed,omitempty"`
	CompleteReason  string              `json:"CompleteReason,omitempty"`
	IsCancellable   bool                `json:"IsCancellable"`
	RelatedEntities TaskRelatedEntities `json:"RelatedEntities"`
}

// TaskStatus is TaskStatusApi.
type TaskStatus struct {
	State    int `json:"State"`
	Progress int `json:"Progress"`
}

// TaskRelatedEntities is TaskRelatedEntitiesApi.
type TaskRelatedEntities struct {
	Vpgs  []ResourceLink `json:"Vpgs"`
	Sites []ResourceLink `json:"Sites"`
}

// VPG statuses (VpgVisualStatusApi).
const (
	VpgInitializing         = 0
	VpgMeetingSLA           = 1
	VpgNotMeetingSLA        = 2
	VpgHistoryNotMeetingSLA = 3
	VpgRpoNotMeetingSLA     = 4
	VpgFailingOver          = 5
	VpgMoving               = 6
	VpgDeleting             = 7
	VpgRecovered            = 8
)

// StatusName returns the name Zerto's documentation gives a VPG status.
func StatusName(s int) string {
	names := []string{"Initializing", "MeetingSLA", "NotMeetingSLA", "HistoryNotMeetingSLA",
		"RpoNotMeetingSLA", "FailingOver", "Moving", "Deleting", "Recovered"}
	if s >= 0 && s < len(names) {
		return names[s]
	}
	return "Unknown"
}

// VPG sub-statuses used by tenantops (VpgVisualSubStatusApi).
const (
	SubStatusNone        = 0
	SubStatusInitialSync = 1
	SubStatusCreating    = 2
)

// Vpg is GET /v1/vpgs/{id} (VpgApi).
type Vpg struct {
	VpgIdentifier        string        `json:"VpgIdentifier"`
	VpgName              string        `json:"VpgName"`
	VpgType              string        `json:"VpgType,omitempty"`
	Status               int           `json:"Status"`
	StatusDescription    string        `json:"StatusDescription,omitempty"`
	SubStatus            int           `json:"SubStatus"`
	ActualRPO            int64         `json:"ActualRPO"`
	ConfiguredRpoSeconds int64         `json:"ConfiguredRpoSeconds"`
	Priority             int           `json:"Priority"`
	ProgressPercentage   float64       `json:"ProgressPercentage"`
	VmsCount             int           `json:"VmsCount"`
	ProtectedSiteName    string        `json:"ProtectedSiteName,omitempty"`
	ProtectedSite        ResourceLink  `json:"ProtectedSite"`
	RecoverySiteName     string        `json:"RecoverySiteName,omitempty"`
	RecoverySite         ResourceLink  `json:"RecoverySite"`
	ServiceProfile       *ResourceLink `json:"ServiceProfile,omitempty"`
	Zorg                 *ResourceLink `json:"Zorg,omitempty"`
	Link                 ResourceLink  `json:"Link"`
}

// ID returns the VPG's identifier.
func (v Vpg) ID() string {
	if v.Link.Identifier != "" {
		return v.Link.Identifier
	}
	return v.VpgIdentifier
}

// VpgDeleteData is VpgDeleteDataApi, the body of DELETE /v1/vpgs/{id}.
type VpgDeleteData struct {
	KeepRecoveryVolumes bool `json:"KeepRecoveryVolumes"`
	Force               bool `json:"Force"`
}
