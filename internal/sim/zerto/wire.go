package zerto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The settings types below mirror the schemas of Zerto's API description
// (components/schemas/Zerto.Zvm.Api.Interfaces.VpgSettings.*): every
// property the description defines and none it does not, so a request that
// sends anything else is refused (decodeStrict) instead of silently
// ignored, which would hide a client mistake. Parts tenantops does not use
// (scripts, boot groups, scratch volumes, long-term retention, per-VM
// volumes and NICs) are kept as the client sent them. They are apart from
// the client's types on purpose: a wire mistake in one must not hide in the
// other. internal/contract's tests compare them with the description.

// Settings is VpgSettingsApi.
type Settings struct {
	VpgIdentifier         string          `json:"VpgIdentifier,omitempty"`
	VpgSettingsIdentifier string          `json:"VpgSettingsIdentifier,omitempty"`
	Basic                 *Basic          `json:"Basic,omitempty"`
	Scripting             json.RawMessage `json:"Scripting,omitempty"`
	BootGroups            json.RawMessage `json:"BootGroups,omitempty"`
	Journal               *Journal        `json:"Journal,omitempty"`
	Scratch               json.RawMessage `json:"Scratch,omitempty"`
	LongTermRetention     json.RawMessage `json:"LongTermRetention,omitempty"`
	Recovery              *Recovery       `json:"Recovery,omitempty"`
	Networks              *Networks       `json:"Networks,omitempty"`
	Vms                   []VM            `json:"Vms,omitempty"`
	Protected             *Protected      `json:"Protected,omitempty"`
}

// Basic is VpgSettingsBasicApi.
type Basic struct {
	Name                     string `json:"Name"`
	VpgType                  string `json:"VpgType,omitempty"`
	RpoInSeconds             int64  `json:"RpoInSeconds"`
	TestIntervalInMinutes    int64  `json:"TestIntervalInMinutes"`
	JournalHistoryInHours    int64  `json:"JournalHistoryInHours"`
	Priority                 string `json:"Priority"`
	UseWanCompression        bool   `json:"UseWanCompression"`
	ServiceProfileIdentifier string `json:"ServiceProfileIdentifier,omitempty"`
	ZorgIdentifier           string `json:"ZorgIdentifier,omitempty"`
	ProtectedSiteIdentifier  string `json:"ProtectedSiteIdentifier,omitempty"`
	RecoverySiteIdentifier   string `json:"RecoverySiteIdentifier,omitempty"`
}

// Journal is VpgSettingsJournalApi.
type Journal struct {
	Limitation                 *JournalLimitation `json:"Limitation,omitempty"`
	DatastoreIdentifier        string             `json:"DatastoreIdentifier,omitempty"`
	DatastoreClusterIdentifier string             `json:"DatastoreClusterIdentifier,omitempty"`
}

// JournalLimitation is VpgSettingsJournalLimitationApi.
type JournalLimitation struct {
	HardLimitInMB             *int64 `json:"HardLimitInMB,omitempty"`
	HardLimitInPercent        *int64 `json:"HardLimitInPercent,omitempty"`
	WarningThresholdInMB      *int64 `json:"WarningThresholdInMB,omitempty"`
	WarningThresholdInPercent *int64 `json:"WarningThresholdInPercent,omitempty"`
}

// Recovery is VpgSettingsRecoveryApi.
type Recovery struct {
	DefaultHostIdentifier             string          `json:"DefaultHostIdentifier,omitempty"`
	DefaultHostClusterIdentifier      string          `json:"DefaultHostClusterIdentifier,omitempty"`
	DefaultDatastoreIdentifier        string          `json:"DefaultDatastoreIdentifier,omitempty"`
	DefaultDatastoreClusterIdentifier string          `json:"DefaultDatastoreClusterIdentifier,omitempty"`
	DefaultFolderIdentifier           string          `json:"DefaultFolderIdentifier,omitempty"`
	ResourcePoolIdentifier            string          `json:"ResourcePoolIdentifier,omitempty"`
	VCD                               *VcdRecovery    `json:"VCD,omitempty"`
	PublicCloud                       json.RawMessage `json:"PublicCloud,omitempty"`
}

// VcdRecovery is VpgSettingsVcdRecoveryApi: the recovery org VDC.
type VcdRecovery struct {
	OrgVdcIdentifier string `json:"OrgVdcIdentifier,omitempty"`
}

// Networks is VpgSettingsNetworksApi.
type Networks struct {
	Failover     *Network `json:"Failover,omitempty"`
	FailoverTest *Network `json:"FailoverTest,omitempty"`
}

// Network is VpgSettingsNetworkApi.
type Network struct {
	VCD         *VcdNetwork     `json:"VCD,omitempty"`
	Hypervisor  json.RawMessage `json:"Hypervisor,omitempty"`
	PublicCloud json.RawMessage `json:"PublicCloud,omitempty"`
}

// VcdNetwork is VpgSettingsVcdNetworkApi.
type VcdNetwork struct {
	CopyNATRules                           string           `json:"CopyNATRules,omitempty"`
	IsEnableGuestCustomization             *bool            `json:"IsEnableGuestCustomization,omitempty"`
	Mapping                                []NetworkMapping `json:"Mapping,omitempty"`
	DefaultRecoveryOrgVdcNetworkIdentifier string           `json:"DefaultRecoveryOrgVdcNetworkIdentifier,omitempty"`
}

// NetworkMapping is VpgSettingsVcdNetworksMappingApi: a protected org VDC
// network and the recovery-side network its VMs connect to.
type NetworkMapping struct {
	ProtectedOrgVdcNetworkIdentifier   string `json:"ProtectedOrgVdcNetworkIdentifier,omitempty"`
	RecoveryOrgVdcNetworkIdentifier    string `json:"RecoveryOrgVdcNetworkIdentifier,omitempty"`
	ReverseTestOrgVdcNetworkIdentifier string `json:"ReverseTestOrgVdcNetworkIdentifier,omitempty"`
}

// Protected is VpgSettingsProtectedApi.
type Protected struct {
	VCD *VcdProtected `json:"VCD,omitempty"`
}

// VcdProtected is VpgSettingsVcdProtectedApi: the one property the
// description gives it is the protected vApp.
type VcdProtected struct {
	VcdVappIdentifier string `json:"VcdVappIdentifier,omitempty"`
}

// VM is VpgSettingsVmApi.
type VM struct {
	VMIdentifier        string          `json:"VmIdentifier"`
	Recovery            *VMRecovery     `json:"Recovery,omitempty"`
	BootGroupIdentifier string          `json:"BootGroupIdentifier,omitempty"`
	Journal             json.RawMessage `json:"Journal,omitempty"`
	Scratch             json.RawMessage `json:"Scratch,omitempty"`
	Volumes             json.RawMessage `json:"Volumes,omitempty"`
	Nics                json.RawMessage `json:"Nics,omitempty"`
}

// VMRecovery is VpgSettingsVmRecoveryApi.
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

// VMVcdRecovery is VpgSettingsVmVcdRecoveryApi: the storage policy of the
// recovery org VDC the VM's volumes are created in.
type VMVcdRecovery struct {
	StoragePolicyIdentifier string `json:"StoragePolicyIdentifier,omitempty"`
}

// DeleteData is VpgDeleteDataApi, the body of DELETE /v1/vpgs/{id}.
type DeleteData struct {
	KeepRecoveryVolumes *bool `json:"KeepRecoveryVolumes,omitempty"`
	Force               bool  `json:"Force"`
}

// ResourceLink is Zerto.Api.Interfaces.ResourceLink; every object names
// its identifier in its link.
type ResourceLink struct {
	Rel        string `json:"rel"`
	Href       string `json:"href"`
	Type       string `json:"type"`
	Identifier string `json:"identifier"`
}

func clone(s Settings) Settings {
	b, _ := json.Marshal(s)
	var out Settings
	_ = json.Unmarshal(b, &out)
	return out
}

// errBadRequest marks a body the ZVM refuses before looking at it further.
var errBadRequest = errors.New("the request is invalid")

// decodeStrict reads a JSON body into v, refusing properties v does not
// define. An empty body leaves v as it is. encoding/json matches names
// case-insensitively, as the appliance's ASP.NET binder does.
func decodeStrict(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s", errBadRequest, strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}
