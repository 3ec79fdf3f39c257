package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// templateLock is the advisory key (templateLock, 0) that keeps pruning
// apart from the transactions that save a revision and point a run at it:
// they take it shared, PruneTemplates exclusively.
const templateLock = 7264

// TemplateRevision is a row of template_revisions.
type TemplateRevision struct {
	Revision        string `json:"revision"`
	Tier            string `json:"tier"`
	ProviderVersion string `json:"provider_version"`
	// Files maps each file name to the SHA-256 (hex) of its content.
	Files     map[string]string `json:"files"`
	CreatedAt time.Time         `json:"created_at"`
}

// SaveTemplateRevision stores the files (content-addressed) and the
// revision, when not there yet, in tx. The caller names the revision on a
// run in the same tx (SetRunTemplateRevision, SetCompensation): a
// concurrent prune then can neither remove the revision before the run
// names it nor leave the run naming a revision whose files are gone.
// contents maps each file name to its bytes; their hashes must match
// rev.Files.
func SaveTemplateRevision(ctx context.Context, tx pgx.Tx, rev TemplateRevision, contents map[string][]byte) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, 0)`, templateLock); err != nil {
		return err
	}
	if len(contents) != len(rev.Files) {
		return fmt.Errorf("template revision %s: %d files for %d hashes", rev.Revision, len(contents), len(rev.Files))
	}
	for name, b := range contents {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if rev.Files[name] != h {
			return fmt.Errorf("template revision %s: %s does not match its hash", rev.Revision, name)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO template_files (sha256, content) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`, h, b); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO template_revisions (revision, tier, provider_version, files) VALUES ($1, $2, $3, $4)
		ON CONFLICT (revision) DO NOTHING`, rev.Revision, rev.Tier, rev.ProviderVersion, rev.Files)
	return err
}

// SetRunTemplateRevision names the template revision a run renders.
func SetRunTemplateRevision(ctx context.Context, db DB, runID int64, revision string) error {
	_, err := db.Exec(ctx, `UPDATE runs SET template_revision = $2, updated_at = now() WHERE id = $1`, runID, revision)
	return err
}

// ErrTemplateGone is returned for a template revision (or one of its
// files) that is not in the database.
var ErrTemplateGone = errors.New("template revision not found")

// GetTemplateRevision loads a revision's row.
func GetTemplateRevision(ctx context.Context, db DB, revision string) (TemplateRevision, error) {
	var r TemplateRevision
	err := db.QueryRow(ctx, `SELECT revision, tier, provider_version, files, created_at FROM template_revisions WHERE revision = $1`,
		revision).Scan(&r.Revision, &r.Tier, &r.ProviderVersion, &r.Files, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("%w: %s", ErrTemplateGone, revision)
	}
	return r, err
}

// LoadTemplateRevision loads a revision and the content of its files
// (name -> bytes), each checked against its content address.
func LoadTemplateRevision(ctx context.Context, db DB, revision string) (TemplateRevision, map[string][]byte, error) {
	r, err := GetTemplateRevision(ctx, db, revision)
	if err != nil {
		return r, nil, err
	}
	hashes := make([]string, 0, len(r.Files))
	for _, h := range r.Files {
		hashes = append(hashes, h)
	}
	rows, err := db.Query(ctx, `SELECT sha256, content FROM template_files WHERE sha256 = ANY($1)`, hashes)
	if err != nil {
		return r, nil, err
	}
	defer rows.Close()
	byHash := map[string][]byte{}
	for rows.Next() {
		var h string
		var b []byte
		if err := rows.Scan(&h, &b); err != nil {
			return r, nil, err
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != h {
			return r, nil, fmt.Errorf("template file %s: content does not match its hash", h)
		}
		byHash[h] = b
	}
	if err := rows.Err(); err != nil {
		return r, nil, err
	}
	files := make(map[string][]byte, len(r.Files))
	for name, h := range r.Files {
		b, ok := byHash[h]
		if !ok {
			return r, nil, fmt.Errorf("%w: file %s (%s) of %s", ErrTemplateGone, name, h, revision)
		}
		files[name] = b
	}
	return r, files, nil
}

// SetCompensation records what the compensation of a failed update
// re-applies: the spec revision and its template revision ("" when none
// was recorded).
func SetCompensation(ctx context.Context, db DB, runID int64, revision int, templateRevision string) error {
	_, err := db.Exec(ctx, `UPDATE runs SET compensation_revision = $2, compensation_template_revision = nullif($3, ''),
		updated_at = now() WHERE id = $1`, runID, revision, templateRevision)
	return err
}

// PruneTemplates removes the template revisions nobody needs any more,
// then the files no remaining revision names. A revision is kept while a
// tenant's last good run applied it, or a run that has not finished
// renders it or re-applies it in its compensation (a run may resume, wait
// for an approval or be compensated by destroying what it built). It
// returns how many revisions and files went.
func PruneTemplates(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}) (revisions, files int64, err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, templateLock); err != nil {
		return 0, 0, err
	}
	tag, err := tx.Exec(ctx, `DELETE FROM template_revisions r
		WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.last_good_template_revision = r.revision)
		AND NOT EXISTS (SELECT 1 FROM runs x
			WHERE (x.template_revision = r.revision OR x.compensation_template_revision = r.revision)
			AND x.state NOT IN ('COMPLETED', 'ROLLED_BACK', 'COMPENSATION_FAILED', 'SUPERSEDED', 'REJECTED')
			AND NOT (x.state = 'FAILED' AND x.kind = 'offboard'))`)
	if err != nil {
		return 0, 0, err
	}
	revisions = tag.RowsAffected()
	tag, err = tx.Exec(ctx, `DELETE FROM template_files f WHERE NOT EXISTS (
		SELECT 1 FROM template_revisions r, jsonb_each_text(r.files) e WHERE e.value = f.sha256)`)
	if err != nil {
		return 0, 0, err
	}
	files = tag.RowsAffected()
	return revisions, files, tx.Commit(ctx)
}
