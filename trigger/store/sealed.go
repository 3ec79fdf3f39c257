package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantops/tenantops/trigger/seal"
)

// SpecSeals is what a pass over the stored spec revisions found or did.
type SpecSeals struct {
	// Revisions is how many revisions were read.
	Revisions int
	// Plain is how many secrets were (or, after SealSpecs, had been) in
	// plain text; Resealed how many moved to the primary key.
	Plain, Resealed int
	// ByKey counts the sealed secrets by key id, before any change.
	ByKey map[string]int
}

// CheckSpecSeals reads every stored spec revision and opens one secret of
// each key id it meets: a revision sealed with a key the keyring lacks, or
// with another key under the same id, is an error naming the revision.
// Nothing is changed.
func CheckSpecSeals(ctx context.Context, db DB, k *seal.Keyring) (SpecSeals, error) {
	rep := SpecSeals{ByKey: map[string]int{}}
	err := eachSpec(ctx, db, func(tenant string, revision int, raw []byte) error {
		rep.Revisions++
		ids, plain, err := seal.SealedKeyIDs(raw)
		if err != nil {
			return fmt.Errorf("spec revision %d of %s: %w", revision, tenant, err)
		}
		rep.Plain += plain
		for _, id := range ids {
			rep.ByKey[id]++
			if rep.ByKey[id] > 1 {
				continue
			}
			if _, err := k.OpenSpec(tenant, raw); err != nil {
				if errors.Is(err, seal.ErrUnknownKey) {
					return fmt.Errorf("spec revision %d of %s is sealed with key %q, which the encryption keys (%v) do not hold", revision, tenant, id, k.IDs())
				}
				return fmt.Errorf("spec revision %d of %s: %w", revision, tenant, err)
			}
		}
		return nil
	})
	return rep, err
}

// SealSpecs seals every plain-text secret of the stored spec revisions
// and, with all, reseals those under an older key with the primary one
// (a key rotation). Each revision is rewritten only if it is unchanged
// since it was read.
func SealSpecs(ctx context.Context, db DB, k *seal.Keyring, all bool) (SpecSeals, error) {
	rep := SpecSeals{ByKey: map[string]int{}}
	err := eachSpec(ctx, db, func(tenant string, revision int, raw []byte) error {
		rep.Revisions++
		ids, plain, err := seal.SealedKeyIDs(raw)
		if err != nil {
			return fmt.Errorf("spec revision %d of %s: %w", revision, tenant, err)
		}
		stale := 0
		for _, id := range ids {
			rep.ByKey[id]++
			if id != k.Primary() {
				stale++
			}
		}
		if plain == 0 && (stale == 0 || !all) {
			return nil
		}
		sealed, _, err := k.SealSpec(tenant, raw)
		if err != nil {
			return fmt.Errorf("spec revision %d of %s: %w", revision, tenant, err)
		}
		tag, err := db.Exec(ctx, `UPDATE tenant_specs SET spec = $3 WHERE tenant = $1 AND revision = $2 AND spec = $4`,
			tenant, revision, sealed, raw)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("spec revision %d of %s changed while it was being sealed; run again", revision, tenant)
		}
		rep.Plain += plain
		rep.Resealed += stale
		return nil
	})
	return rep, err
}

// eachSpec calls f on every stored spec revision, a page at a time.
func eachSpec(ctx context.Context, db DB, f func(tenant string, revision int, raw []byte) error) error {
	after, afterRev := "", 0
	for {
		rows, err := db.Query(ctx, `SELECT tenant, revision, spec FROM tenant_specs WHERE (tenant, revision) > ($1, $2)
			ORDER BY tenant, revision LIMIT 500`, after, afterRev)
		if err != nil {
			return err
		}
		type row struct {
			tenant   string
			revision int
			spec     []byte
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.tenant, &r.revision, &r.spec); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			if err := f(r.tenant, r.revision, r.spec); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after, afterRev = page[len(page)-1].tenant, page[len(page)-1].revision
	}
}
