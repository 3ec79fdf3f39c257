package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// operation is one of the four a resource implements: it picks the bound
// from the timeouts block and the verb of the diagnostics.
type operation int

const (
	opCreate operation = iota
	opRead
	opUpdate
	opDelete
)

func (o operation) String() string { return [...]string{"create", "read", "update", "delete"}[o] }

// The sets of operations the resources' timeouts blocks bound.
var (
	// allOps: the identity resources, whose reads are requests that can stall too.
	allOps = timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}
	// writeOps: Cloud Director and Zerto resources, whose writes wait for tasks.
	writeOps = timeouts.Opts{Create: true, Update: true, Delete: true}
	// membershipOps: the membership resources, which are never updated in place.
	membershipOps = timeouts.Opts{Create: true, Read: true, Delete: true}
)

// resourceBase is what every resource has in common: its type name, the
// backend it reaches, the operations its timeouts block bounds and how long
// they take unless configured. Resources embed it, which gives them
// Metadata and Configure; the operation skeletons in crud.go work through it.
type resourceBase[C any] struct {
	name     string // the type name after "tenantops_"
	backend  backend[C]
	timeouts timeouts.Opts
	timeout  time.Duration
	data     *ProviderData
}

// newResource is the base of the resource tenantops_<name> on backend b.
func newResource[C any](b backend[C], name string, timeout time.Duration, ops timeouts.Opts) resourceBase[C] {
	return resourceBase[C]{name: name, backend: b, timeouts: ops, timeout: timeout}
}

func (b *resourceBase[C]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.name
}

func (b *resourceBase[C]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// typeName is the resource type as configurations and diagnostics name it.
func (b *resourceBase[C]) typeName() string { return "tenantops_" + b.name }

// timeoutsBlock is the resource's timeouts block, for its schema.
func (b *resourceBase[C]) timeoutsBlock(ctx context.Context) map[string]schema.Block {
	return map[string]schema.Block{"timeouts": timeouts.Block(ctx, b.timeouts)}
}

// open is the package's open for one operation of this resource: bounded
// by t's setting for op when the timeouts block has op, else not at all.
func (b *resourceBase[C]) open(ctx context.Context, t timeouts.Value, op operation,
	diags *diag.Diagnostics) (context.Context, context.CancelFunc, C, bool) {
	return open(ctx, b.data, b.backend, b.typeName(), b.bound(t, op), b.timeout, diags)
}

// bound is the method of t that reads op's timeout, nil when the timeouts
// block has no setting for op.
func (b *resourceBase[C]) bound(t timeouts.Value, op operation) timeoutFunc {
	switch {
	case op == opCreate && b.timeouts.Create:
		return t.Create
	case op == opRead && b.timeouts.Read:
		return t.Read
	case op == opUpdate && b.timeouts.Update:
		return t.Update
	case op == opDelete && b.timeouts.Delete:
		return t.Delete
	}
	return nil
}

// dataSourceBase is resourceBase for data sources, which have no timeouts.
type dataSourceBase[C any] struct {
	name    string
	backend backend[C]
	data    *ProviderData
}

func (b *dataSourceBase[C]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.name
}

func (b *dataSourceBase[C]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// readDataSource is a data source's Read: fill looks up the object the
// configuration's model names and fills in the rest of the model, which
// then goes to state. A failure is reported as "Unable to read <label>".
func readDataSource[M any, P interface {
	*M
	label() string
}, C any](ctx context.Context, b *dataSourceBase[C], req datasource.ReadRequest, resp *datasource.ReadResponse,
	fill func(context.Context, C, P, *diag.Diagnostics) error) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, b.data, b.backend, "tenantops_"+b.name, nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := fill(ctx, c, &m, &resp.Diagnostics); err != nil {
		resp.Diagnostics.Append(b.backend.error("Unable to read "+P(&m).label(), err))
		return
	}
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	}
}
