package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// The skeletons of the operations every resource shares: read the model
// from the plan or state, open the backend bounded by the timeouts block,
// run what is the resource's own, report a failure as backend.error words
// it and store the model. An error the resource's part returns is a
// failure of the operation on the object its model names (model.label),
// unless annotated with a summary of its own (failed).

// model is what the skeletons need of a resource's model.
type model interface {
	// label names the object in diagnostics, e.g. `tenant "acme"`.
	label() string
	timeoutsValue() timeouts.Value
}

// modelPtr is the pointer to a model struct M that the framework fills.
type modelPtr[M any] interface {
	*M
	model
}

// timeoutsModel is a model's timeouts block; every model embeds it.
type timeoutsModel struct {
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (t timeoutsModel) timeoutsValue() timeouts.Value { return t.Timeouts }

// objectModel is the model of a resource whose object the model itself
// creates, reads, updates and deletes through the backend's client C: the
// steps that are the resource's own, which crudResource runs inside the
// skeletons.
type objectModel[M any, C any] interface {
	modelPtr[M]
	// create creates the object and fills in the computed attributes. It
	// saves the object's identifiers to resp.State as soon as the backend
	// returns them, so that a later failure leaves a tainted resource that
	// destroy removes, not an orphan.
	create(ctx context.Context, c C, resp *resource.CreateResponse) error
	// read brings the model up to date; the backend's not-found error (or
	// errGone) says the object is gone.
	read(ctx context.Context, c C, diags *diag.Diagnostics) error
	// update makes the object, as prior describes it, what the model (the
	// plan) asks for, and fills in the computed attributes.
	update(ctx context.Context, c C, prior *M, diags *diag.Diagnostics) error
	// delete deletes the object.
	delete(ctx context.Context, c C) error
}

// crudResource is a resource whose Create, Read, Update and Delete are the
// skeletons around the steps of its model P.
type crudResource[M any, P objectModel[M, C], C any] struct{ resourceBase[C] }

// newCRUD is the base of the resource tenantops_<name> on backend b, its
// operations carried out by the model M.
func newCRUD[M any, P objectModel[M, C], C any](b backend[C], name string, timeout time.Duration,
	ops timeouts.Opts) crudResource[M, P, C] {
	return crudResource[M, P, C]{newResource(b, name, timeout, ops)}
}

func (r *crudResource[M, P, C]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	createResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c C, m P, resp *resource.CreateResponse) error {
		return m.create(ctx, c, resp)
	})
}

func (r *crudResource[M, P, C]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c C, m P, diags *diag.Diagnostics) error {
		return m.read(ctx, c, diags)
	})
}

func (r *crudResource[M, P, C]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updateResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c C, plan, prior P, diags *diag.Diagnostics) error {
		return plan.update(ctx, c, prior, diags)
	})
}

func (r *crudResource[M, P, C]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteResource(ctx, &r.resourceBase, req, resp, func(ctx context.Context, c C, m P) error {
		return m.delete(ctx, c)
	})
}

// getter is a plan or a state, which a model is read from.
type getter interface {
	Get(context.Context, any) diag.Diagnostics
}

// load reads the model from src and opens the backend for op, bounded by
// the model's timeouts block; ok is false when diags say why not. Call
// cancel either way.
func load[M any, P modelPtr[M], C any](ctx context.Context, b *resourceBase[C], src getter, op operation,
	diags *diag.Diagnostics) (_ context.Context, cancel context.CancelFunc, m P, c C, ok bool) {
	m = P(new(M))
	if diags.Append(src.Get(ctx, m)...); diags.HasError() {
		return ctx, func() {}, m, c, false
	}
	ctx, cancel, c, ok = b.open(ctx, m.timeoutsValue(), op, diags)
	return ctx, cancel, m, c, ok
}

// fail reports err, a failure of op on the object m names.
func (b *resourceBase[C]) fail(diags *diag.Diagnostics, op operation, m model, err error) {
	diags.Append(b.backend.error(summaryOf(err, "Unable to "+op.String()+" "+m.label()), err))
}

// createResource is a resource's Create: build creates the object (see
// objectModel.create), and the model goes to state unless that failed.
// build sees the write-only secrets of the configuration; the state never
// does (see takeWriteOnly).
func createResource[M any, P modelPtr[M], C any](ctx context.Context, b *resourceBase[C], req resource.CreateRequest,
	resp *resource.CreateResponse, build func(context.Context, C, P, *resource.CreateResponse) error) {
	ctx, cancel, m, c, ok := load[M, P](ctx, b, req.Plan, opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	forget := takeWriteOnly(ctx, req.Config, m, nil, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	err := build(ctx, c, m, resp)
	forget()
	if err != nil {
		b.fail(&resp.Diagnostics, opCreate, m, err)
	} else if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
}

// readResource is a resource's Read: refresh brings the state's model up
// to date. When it finds the object gone, the resource leaves the state
// and the next plan shows it created again.
func readResource[M any, P modelPtr[M], C any](ctx context.Context, b *resourceBase[C], req resource.ReadRequest,
	resp *resource.ReadResponse, refresh func(context.Context, C, P, *diag.Diagnostics) error) {
	ctx, cancel, m, c, ok := load[M, P](ctx, b, req.State, opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	err := refresh(ctx, c, m, &resp.Diagnostics)
	switch {
	case gone(err):
		resp.State.RemoveResource(ctx)
	case err != nil:
		b.fail(&resp.Diagnostics, opRead, m, err)
	case !resp.Diagnostics.HasError():
		resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	}
}

// localChanges is implemented by a model with attributes only the provider
// uses (delete flags, timeouts): Update first calls onlyLocal, which
// carries the computed attributes over from prior into the plan and
// reports whether the plan changes nothing else; if so, Update stores the
// plan without reaching the backend.
type localChanges[M any] interface {
	onlyLocal(prior *M) bool
}

// updateResource is a resource's Update: change applies the plan, with the
// write-only secrets that are due (see takeWriteOnly), to the object prior
// describes and fills in the plan's computed attributes. A failed update
// leaves the prior state as it was: storing the plan would record changes
// (a new secret, a new ETag) the backend never made.
func updateResource[M any, P modelPtr[M], C any](ctx context.Context, b *resourceBase[C], req resource.UpdateRequest,
	resp *resource.UpdateResponse, change func(ctx context.Context, c C, plan, prior P, diags *diag.Diagnostics) error) {
	resp.State.Raw = req.State.Raw
	plan, prior := P(new(M)), P(new(M))
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if l, ok := any(plan).(localChanges[M]); ok && l.onlyLocal(prior) {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	ctx, cancel, c, ok := b.open(ctx, plan.timeoutsValue(), opUpdate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	forget := takeWriteOnly(ctx, req.Config, plan, prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	err := change(ctx, c, plan, prior, &resp.Diagnostics)
	forget()
	if err != nil {
		b.fail(&resp.Diagnostics, opUpdate, plan, err)
	} else if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
}

// deleteResource is a resource's Delete. An object already gone is no
// error: what destroy wants is there.
func deleteResource[M any, P modelPtr[M], C any](ctx context.Context, b *resourceBase[C], req resource.DeleteRequest,
	resp *resource.DeleteResponse, del func(context.Context, C, P) error) {
	ctx, cancel, m, c, ok := load[M, P](ctx, b, req.State, opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := del(ctx, c, m); err != nil && !gone(err) {
		b.fail(&resp.Diagnostics, opDelete, m, err)
	}
}

// stateAttrs are values of some attributes of a state under construction:
// the identifiers a Create saves before it can fail, or the attributes an
// import starts with (Read, which Terraform runs next, fills in the rest).
type stateAttrs map[string]any

// setAttrs sets attrs in state.
func setAttrs(ctx context.Context, state *tfsdk.State, diags *diag.Diagnostics, attrs stateAttrs) {
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		diags.Append(state.SetAttribute(ctx, path.Root(name), attrs[name])...)
	}
}

// importResource is the ImportState of a resource imported by a key the
// backend resolves (a name, a DN, an identifier): find returns the
// attributes to start the state with. A failure is reported under summary,
// and formats, when set, says which keys the resource accepts.
func importResource[C any](ctx context.Context, b *resourceBase[C], req resource.ImportStateRequest,
	resp *resource.ImportStateResponse, summary, formats string, find func(context.Context, C, string) (stateAttrs, error)) {
	ctx, cancel, c, ok := open(ctx, b.data, b.backend, b.typeName(), nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	attrs, err := find(ctx, c, req.ID)
	if err != nil {
		if formats != "" {
			err = withHint(err, formats)
		}
		resp.Diagnostics.Append(b.backend.error(summary, err))
		return
	}
	setAttrs(ctx, &resp.State, &resp.Diagnostics, attrs)
}

// readBack finishes a write (doing: "creating", "updating") that reads the
// object back: set fills the model from it unless the read failed with
// err, which is then reported as such, the object being written.
func readBack(m model, doing string, err error, set func()) error {
	if err != nil {
		return failed(fmt.Sprintf("Unable to read %s after %s it", m.label(), doing), err)
	}
	set()
	return nil
}
