package pgcluster

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartQueryStop(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{Install: os.Geteuid() == 0})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		c.Stop()
		t.Fatal(err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("query: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE other"); err != nil {
		t.Errorf("create database: %v", err)
	}
	conn.Close(ctx)
	other, err := pgx.Connect(ctx, c.DatabaseURL("other"))
	if err != nil {
		t.Errorf("connect to other: %v", err)
	} else {
		other.Close(ctx)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind", c.dir)
	}
	if _, err := pgx.Connect(ctx, c.URL); err == nil {
		t.Error("server still answers after Stop")
	}
}

// DatabaseURL returns the URL of database name on this cluster.
func (c *Cluster) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}
