package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func migrated(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := open(t)
	if err := Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// A tenant's events are ordered by occurred_at: one older than the newest
// accepted is recorded as stale, naming the newer one, and starts nothing;
// its redelivery says so again.
func TestStaleEventsStartNothing(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	ev := func(id, typ string, n int) Event {
		return Event{EventID: id, EventType: typ, Tenant: "acme", Tier: "standard", BodySHA256: "b-" + id,
			ContentSHA256: "c-" + id, OccurredAt: at(n), Spec: []byte(`{"rev":"` + id + `"}`)}
	}
	if _, err := recordEvent(t, pool, ev("c1", "customer.created", 0)); err != nil {
		t.Fatal(err)
	}
	newer, err := recordEvent(t, pool, ev("u2", "customer.updated", 2))
	if err != nil || newer.Stale || newer.Revision != 2 {
		t.Fatalf("newer update: %+v %v", newer, err)
	}
	late, err := recordEvent(t, pool, ev("u1", "customer.updated", 1))
	if err != nil || !late.Stale || late.NewerEventID != "u2" || late.RunID != 0 || late.Duplicate {
		t.Fatalf("late update: %+v %v, want stale behind u2", late, err)
	}
	again, err := recordEvent(t, pool, ev("u1", "customer.updated", 1))
	if err != nil || !again.Duplicate || !again.Stale || again.NewerEventID != "u2" {
		t.Fatalf("redelivered late update: %+v %v", again, err)
	}
	tn, err := GetTenant(ctx, pool, "acme")
	if err != nil || tn.CurrentRevision != 2 || tn.LastEventID != "u2" || !tn.LastEventAt.Equal(at(2)) {
		t.Fatalf("tenant %+v %v: the stale event must change nothing", tn, err)
	}
	var runs, specs int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM runs`).Scan(&runs)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM tenant_specs`).Scan(&specs)
	var staleOf string
	_ = pool.QueryRow(ctx, `SELECT stale_of FROM events WHERE event_id = 'u1'`).Scan(&staleOf)
	if runs != 2 || specs != 2 || staleOf != "u2" {
		t.Fatalf("runs %d, specs %d, stale_of %q: want 2, 2, u2", runs, specs, staleOf)
	}
	// A late deletion is stale too: it must not offboard a tenant that a
	// newer event describes.
	if del, err := recordEvent(t, pool, ev("d0", "customer.deleted", 1)); err != nil || !del.Stale {
		t.Fatalf("late deletion: %+v %v", del, err)
	}
	// A late creation after a deletion does not bring the tenant back.
	if _, err := recordEvent(t, pool, ev("d3", "customer.deleted", 3)); err != nil {
		t.Fatal(err)
	}
	if err := SetTenantStatus(ctx, pool, "acme", "DELETED", 0, ""); err != nil {
		t.Fatal(err)
	}
	if c, err := recordEvent(t, pool, ev("c-late", "customer.created", 1)); err != nil || !c.Stale || c.NewerEventID != "d3" {
		t.Fatalf("late creation after a deletion: %+v %v", c, err)
	}
	// An update before the creation of an unknown tenant keeps its 409.
	if _, err := recordEvent(t, pool, Event{EventID: "u-x", EventType: "customer.updated", Tenant: "newco",
		Tier: "standard", BodySHA256: "x", OccurredAt: at(5), Spec: []byte(`{}`)}); !errors.Is(err, ErrNoTenant) {
		t.Fatalf("update before creation: %v", err)
	}
}

// Two events of the same microsecond are ordered by event id (byte order),
// so the tenant ends the same whichever arrives first.
func TestSameTimeTieGoesToTheLargerEventID(t *testing.T) {
	pool := migrated(t)
	mk := func(tenant, id, typ string, when time.Time) Event {
		return Event{EventID: id, EventType: typ, Tenant: tenant, Tier: "standard", BodySHA256: id, ContentSHA256: id,
			OccurredAt: when, Spec: []byte(`{}`)}
	}
	same := at(10)
	for _, tenant := range []string{"first-b", "first-a"} {
		if _, err := recordEvent(t, pool, mk(tenant, tenant+"-c", "customer.created", at(0))); err != nil {
			t.Fatal(err)
		}
	}
	// "B" < "a" in byte order, though not in most collations.
	b, _ := recordEvent(t, pool, mk("first-b", "evt-a", "customer.updated", same))
	a, _ := recordEvent(t, pool, mk("first-b", "evt-B", "customer.updated", same))
	if b.Stale || !a.Stale || a.NewerEventID != "evt-a" {
		t.Fatalf("evt-a then evt-B: %+v %+v, want evt-B stale", b, a)
	}
	a2, _ := recordEvent(t, pool, mk("first-a", "evt-B2", "customer.updated", same))
	b2, _ := recordEvent(t, pool, mk("first-a", "evt-a2", "customer.updated", same))
	if a2.Stale || b2.Stale {
		t.Fatalf("evt-B2 then evt-a2: %+v %+v, want both applied, evt-a2 last", a2, b2)
	}
	// Below a microsecond two times are the same time.
	c, _ := recordEvent(t, pool, mk("first-a", "evt-0", "customer.updated", same.Add(500*time.Nanosecond)))
	if !c.Stale || c.NewerEventID != "evt-a2" {
		t.Fatalf("500ns later with a smaller id: %+v, want stale", c)
	}
	if Older(same, "x", nil, "") || Older(time.Time{}, "a", &same, "b") {
		t.Fatal("no recorded newest event (or no time) is never older")
	}
}

// The same event id with other content is refused naming when the first
// one arrived, and nothing of the second is stored; the same content is
// the first outcome again, whatever the blanks of the body.
func TestEventIDReuseIsAConflict(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	first := Event{EventID: "e1", EventType: "customer.created", Tenant: "acme", Tier: "standard", BodySHA256: "raw-1",
		ContentSHA256: "content-1", OccurredAt: at(0), Spec: []byte(`{}`)}
	r1, err := recordEvent(t, pool, first)
	if err != nil {
		t.Fatal(err)
	}
	same := first
	same.BodySHA256 = "raw-1-reformatted"
	if d, err := recordEvent(t, pool, same); err != nil || !d.Duplicate || d.RunID != r1.RunID {
		t.Fatalf("same content: %+v %v", d, err)
	}
	other := first
	other.ContentSHA256, other.Tenant = "content-2", "evil"
	_, err = recordEvent(t, pool, other)
	var ce *EventConflictError
	if !errors.As(err, &ce) || ce.EventID != "e1" || ce.OccurredAt == nil || !ce.OccurredAt.Equal(at(0)) ||
		!strings.Contains(err.Error(), "first received at") || !strings.Contains(err.Error(), "2026-03-01T12:00:00Z") {
		t.Fatalf("other content: %v", err)
	}
	var tenants, runs int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&tenants)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM runs`).Scan(&runs)
	if tenants != 1 || runs != 1 {
		t.Fatalf("%d tenants, %d runs after the conflict, want 1 and 1", tenants, runs)
	}
	// A row from before content hashes compares the raw body's hash.
	if _, err := pool.Exec(ctx, `UPDATE events SET content_sha256 = NULL WHERE event_id = 'e1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := recordEvent(t, pool, first); err != nil {
		t.Fatalf("old row, same raw body: %v", err)
	}
	if _, err := recordEvent(t, pool, same); !errors.As(err, &ce) {
		t.Fatalf("old row, other raw body: %v", err)
	}
}

// A deletion adds no spec revision and leaves the tier alone: its run
// offboards the last good revision with that revision's templates.
func TestDeletionKeepsTheStoredSpec(t *testing.T) {
	pool := migrated(t)
	ctx := context.Background()
	r1, err := record(t, pool, "c1", "customer.created", "acme")
	if err != nil {
		t.Fatal(err)
	}
	rev := saveRevision(t, pool, r1.RunID, "standard", map[string][]byte{"main.tf": []byte("# one\n")})
	if err := SetTenantStatus(ctx, pool, "acme", "ACTIVE", 1, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := record(t, pool, "u2", "customer.updated", "acme"); err != nil {
		t.Fatal(err)
	}
	del, err := recordEvent(t, pool, Event{EventID: "d3", EventType: "customer.deleted", Tenant: "acme",
		BodySHA256: "x", ContentSHA256: "d3", OccurredAt: nextTime(), Spec: []byte(`{"tenant":{"id":"acme"}}`)})
	if err != nil || del.Kind != KindOffboard || del.Revision != 1 {
		t.Fatalf("deletion: %+v %v, want an offboarding of revision 1", del, err)
	}
	run, _ := GetRun(ctx, pool, del.RunID)
	tn, _ := GetTenant(ctx, pool, "acme")
	if run.TemplateRevision != rev || tn.CurrentRevision != 2 || tn.Tier != "standard" {
		t.Fatalf("run %+v tenant %+v", run, tn)
	}
	var specs int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM tenant_specs WHERE event_id = 'd3'`).Scan(&specs)
	if specs != 0 {
		t.Fatal("a deletion stored a spec revision")
	}
}

func TestApproveTellsMissingFromNotWaiting(t *testing.T) {
	pool := migrated(t)
	r, err := record(t, pool, "c1", "customer.created", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Approve(context.Background(), pool, r.RunID); !errors.Is(err, ErrNotAwaitingApproval) {
		t.Fatalf("pending run: %v", err)
	}
	if _, err := Approve(context.Background(), pool, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing run: %v", err)
	}
}
