package zerto

// Wire types of the ZVM REST API v1. A ZVM answers with PascalCase field
// names; encoding/json matches them case-insensitively, so the client also
// reads the camelCase spelling of Zerto's published API description.

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
	if l.SiteIdentifier != "" {
		return l.SiteIdentifier
	}
	return l.Link.Identifier
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
	if p.SiteIdentifier != "" {
		return p.SiteIdentifier
	}
	return p.Link.Identifier
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
	if p.ServiceProfileIdentifier != "" {
		return p.ServiceProfileIdentifier
	}
	return p.Link.Identifier
}

// Zorg is one entry of GET /v1/zorgs.
type Zorg struct {
	ZorgIdentifier string       `json:"ZorgIdentifier,omitempty"`
	ZorgName       string       `json:"ZorgName"`
	Link           ResourceLink `json:"Link"`
}

// ID returns the ZORG's identifier.
func (z Zorg) ID() string {
	if z.ZorgIdentifier != "" {
		return z.ZorgIdentifier
	}
	return z.Link.Identifier
}

// VpgSettings is a settings object (VpgSettingsApi): the draft of a new VPG
// or an editable copy of an existing one.
type VpgSettings struct {
	VpgIdentifier         string                `json:"VpgIdentifier,omitempty"`
	VpgSettingsIdentifier string                `json:"VpgSettingsIdentifier,omitempty"`
	Basic                 *VpgSettingsBasic     `json:"Basic,omitempty"`
	Journal               *VpgSettingsJournal   `json:"Journal,omitempty"`
	Recovery              *VpgSettingsRecovery  `json:"Recovery,omitempty"`
	Networks              *VpgSettingsNetworks  `json:"Networks,omitempty"`
	Protected             *VpgSettingsProtected `json:"Protected,omitempty"`
	Vms                   []VpgSettingsVM       `json:"Vms,omitempty"`
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
	Limitation          *JournalLimitation `json:"Limitation,omitempty"`
	DatastoreIdentifier string             `json:"DatastoreIdentifier,omitempty"`
}

// JournalLimitation is VpgSettingsJournalLimitationApi.
type JournalLimitation struct {
	HardLimitInMB             int64 `json:"HardLimitInMB,omitempty"`
	HardLimitInPercent        int64 `json:"HardLimitInPercent,omitempty"`
	WarningThresholdInMB      int64 `json:"WarningThresholdInMB,omitempty"`
	WarningThresholdInPercent int64 `json:"WarningThresholdInPercent,omitempty"`
}

// VpgSettingsRecovery is VpgSettingsRecoveryApi (Cloud Director part only).
type VpgSettingsRecovery struct {
	VCD *VcdRecovery `json:"VCD,omitempty"`
}

// VcdRecovery is VpgSettingsVcdRecoveryApi.
type VcdRecovery struct {
	OrgVdcIdentifier string `json:"OrgVdcIdentifier"`
}

// VpgSettingsNetworks is VpgSettingsNetworksApi.
type VpgSettingsNetworks struct {
	Failover     *VpgSettingsNetwork `json:"Failover,omitempty"`
	FailoverTest *VpgSettingsNetwork `json:"FailoverTest,omitempty"`
}

// VpgSettingsNetwork is VpgSettingsNetworkApi (Cloud Director part only).
type VpgSettingsNetwork struct {
	VCD *VcdNetwork `json:"VCD,omitempty"`
}

// VcdNetwork is VpgSettingsVcdNetworkApi.
type VcdNetwork struct {
	DefaultRecoveryOrgVdcNetworkIdentifier string `json:"DefaultRecoveryOrgVdcNetworkIdentifier"`
	IsEnableGuestCustomization             bool   `json:"IsEnableGuestCustomization"`
}

// VpgSettingsProtected is VpgSettingsProtectedApi. OrgVdcIdentifier names the
// protected Cloud Director org VDC whose vApps the VPG replicates.
type VpgSettingsProtected struct {
	VCD *VcdProtected `json:"VCD,omitempty"`
}

// VcdProtected is VpgSettingsVcdProtectedApi.
type VcdProtected struct {
	VcdVappIdentifier string `json:"VcdVappIdentifier,omitempty"`
	OrgVdcIdentifier  string `json:"OrgVdcIdentifier,omitempty"`
}

// VpgSettingsVM is one entry of VpgSettingsApi.Vms.
type VpgSettingsVM struct {
	VMIdentifier string `json:"VmIdentifier"`
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
	TaskIdentifier  string              `json:"TaskIdentifier"`
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

// Priorities: names in settings, numbers (VpgPriorityApi) on the VPG.
var priorityNames = []string{"Low", "Medium", "High"}

// PriorityName maps a VPG's numeric priority to its settings name.
func PriorityName(p int) string {
	if p >= 0 && p < len(priorityNames) {
		return priorityNames[p]
	}
	return ""
}

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
	if v.VpgIdentifier != "" {
		return v.VpgIdentifier
	}
	return v.Link.Identifier
}

// VpgDeleteData is VpgDeleteDataApi, the body of DELETE /v1/vpgs/{id}.
type VpgDeleteData struct {
	KeepRecoveryVolumes bool `json:"KeepRecoveryVolumes"`
	Force               bool `json:"Force"`
}
