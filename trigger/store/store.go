// Package store keeps the trigger's records in PostgreSQL through pgx:
// webhook events, tenant spec revisions, tenants, runs with their steps and
// the callback outbox. All SQL of the trigger lives here; migrations are
// numbered files embedded from migrations/ and applied by Migrate through
// tern, which also applies River's own migrations.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Run kinds.
const (
	KindOnboard  = "onboard"
	KindUpdate   = "update"
	KindOffboard = "offboard"
	KindDrift    = "drift"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
)

// DB is what both a pool and a transaction offer.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store wraps the pool.
type Store struct {
	Pool *pgxpool.Pool
}

// Open connects to url.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if cfg.MaxConns < 10 {
		cfg.MaxConns = 10
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Store{Pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }
