package usage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/tlsutil"
	"github.com/tenantops/tenantops/internal/vcd"
	"github.com/tenantops/tenantops/internal/zerto"
)

// BackendSource reads usage from Cloud Director and Zerto with the
// credentials the provider is given (TENANTOPS_VCD_*, TENANTOPS_ZERTO_*
// in the trigger's environment), logging in on first use.
type BackendSource struct {
	env       map[string]string
	userAgent string

	mu    sync.Mutex
	vcd   *vcd.Client
	zerto *zerto.Client
}

// NewSource is a BackendSource over the provider environment env that
// names itself userAgent to the backends.
func NewSource(env map[string]string, userAgent string) *BackendSource {
	return &BackendSource{env: env, userAgent: userAgent}
}

func (s *BackendSource) get(system, key string) string { return s.env["TENANTOPS_"+system+"_"+key] }

func (s *BackendSource) tls(system string) tlsutil.Options {
	return tlsutil.Options{CAFile: s.get(system, "CA_FILE"), CAPEM: s.get(system, "CA_PEM"),
		InsecureSkipVerify: s.get(system, "INSECURE_SKIP_VERIFY") == "true"}
}

func (s *BackendSource) vcdClient(ctx context.Context) (*vcd.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vcd != nil {
		return s.vcd, nil
	}
	if s.get("VCD", "URL") == "" {
		return nil, fmt.Errorf("TENANTOPS_VCD_URL is not set")
	}
	c, err := vcd.New(ctx, vcd.Config{URL: s.get("VCD", "URL"), User: s.get("VCD", "USER"), Password: s.get("VCD", "PASSWORD"),
		Org: s.get("VCD", "ORG"), APIToken: s.get("VCD", "API_TOKEN"), TLS: s.tls("VCD"), UserAgent: s.userAgent})
	if err != nil {
		return nil, err
	}
	s.vcd = c
	return c, nil
}

func (s *BackendSource) zertoClient() (*zerto.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zerto != nil {
		return s.zerto, nil
	}
	if s.get("ZERTO", "URL") == "" {
		return nil, fmt.Errorf("TENANTOPS_ZERTO_URL is not set")
	}
	hc, err := s.tls("ZERTO").HTTPClient(2 * time.Minute)
	if err != nil {
		return nil, err
	}
	c, err := zerto.New(zerto.Config{URL: s.get("ZERTO", "URL"), AuthMode: s.get("ZERTO", "AUTH_MODE"),
		ClientID: s.get("ZERTO", "CLIENT_ID"), ClientSecret: s.get("ZERTO", "CLIENT_SECRET"),
		Username: s.get("ZERTO", "USERNAME"), Password: s.get("ZERTO", "PASSWORD"), HTTPClient: hc, UserAgent: s.userAgent})
	if err != nil {
		return nil, err
	}
	s.zerto = c
	return c, nil
}

// VDCUsage reads the org VDC: compute as its ComputeCapacity says,
// storage added up over its storage profiles (a profile's limit is what it
// allocates).
func (s *BackendSource) VDCUsage(ctx context.Context, orgID, vdcID string) (cpu, mem, storage Resource, err error) {
	c, err := s.vcdClient(ctx)
	if err != nil {
		return cpu, mem, storage, err
	}
	v, err := c.GetVDC(ctx, orgID, vdcID)
	if err != nil {
		return cpu, mem, storage, err
	}
	cpu = Resource{Allocated: v.CPUAllocatedMHz, Limit: v.CPULimitMHz, Used: v.CPUUsedMHz}
	mem = Resource{Allocated: v.MemAllocatedMB, Limit: v.MemLimitMB, Used: v.MemUsedMB}
	for _, sp := range v.StorageProfiles {
		storage.Allocated += sp.LimitMB
		storage.Limit += sp.LimitMB
		storage.Used += sp.UsedMB
	}
	return cpu, mem, storage, nil
}

// ProtectedVMs is the number of VMs the VPG protects.
func (s *BackendSource) ProtectedVMs(ctx context.Context, vpgID string) (int, error) {
	c, err := s.zertoClient()
	if err != nil {
		return 0, err
	}
	v, err := c.Vpg(ctx, vpgID)
	if err != nil {
		return 0, err
	}
	return v.VmsCount, nil
}
