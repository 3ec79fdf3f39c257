package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantops/tenantops/internal/pgcluster"
)

var (
	pgOnce    sync.Once
	pgURL     string
	pgErr     error
	pgCluster *pgcluster.Cluster
	dbSeq     atomic.Int64
)

// PostgresURL returns the URL of a PostgreSQL server for this test package:
// TENANTOPS_TEST_DATABASE_URL when set, else a throwaway cluster started once
// per package (stop it from TestMain with StopPostgres).
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		if u := os.Getenv("TENANTOPS_TEST_DATABASE_URL"); u != "" {
			pgURL = u
			return
		}
		pgCluster, pgErr = pgcluster.Start(context.Background(), pgcluster.Options{Install: os.Geteuid() == 0})
		if pgErr == nil {
			pgURL = pgCluster.URL
		}
	})
	if pgErr != nil {
		t.Fatalf("postgres: %v", pgErr)
	}
	return pgURL
}

// NewDatabase creates an empty database for one test on the package's
// server and returns its URL; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	url := replaceDB(base, cfg.Database, name)
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return url
}

func replaceDB(url, from, to string) string {
	i := strings.LastIndex(url, "/"+from)
	if i < 0 {
		return url
	}
	return url[:i] + "/" + to + url[i+1+len(from):]
}

// StopPostgres stops the package's throwaway cluster, if one was started.
func StopPostgres() {
	if pgCluster != nil {
		_ = pgCluster.Stop()
	}
}
