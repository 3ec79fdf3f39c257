package vcd

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vmware/go-vcloud-director/v2/govcd"
	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       error
		notFound bool
		status   int
		message  string
	}{
		{"xml error body", fmt.Errorf("error creating VDC: %s", types.Error{MajorErrorCode: 400, Message: "[ 1a2b ] Storage profile gold is full"}),
			false, 400, "Storage profile gold is full"},
		{"404 body", fmt.Errorf("error retrieving org: %s", types.Error{MajorErrorCode: 404, Message: "[ x ] Organization gone"}),
			true, 0, ""},
		{"govcd not found", govcd.ErrorEntityNotFound, true, 0, ""},
		{"openapi error", fmt.Errorf("error in HTTP POST request: %s", types.OpenApiError{MinorErrorCode: "BAD_REQUEST", Message: "[ 9 ] invalid host"}),
			false, 0, "invalid host"},
		{"transport error", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false, 0, "dial tcp 127.0.0.1:1: connect: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.in)
			if errors.Is(got, ErrNotFound) != tc.notFound {
				t.Fatalf("classify(%v) = %v, not found = %v", tc.in, got, !tc.notFound)
			}
			if tc.notFound {
				return
			}
			var e *Error
			if !errors.As(got, &e) || e.Status != tc.status || e.Message != tc.message {
				t.Fatalf("classify(%v) = %#v", tc.in, got)
			}
		})
	}
	// Context errors pass through so callers can tell a timeout.
	if got := classify(fmt.Errorf("waiting: %w", context.DeadlineExceeded)); !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("deadline lost: %v", got)
	}
}

func TestUUIDOfAndIsUUIDOrURN(t *testing.T) {
	const id = "5b0c4a7e-9d7f-4c1a-8f3e-2a6b1c9d0e11"
	for in, want := range map[string]string{
		"urn:vcloud:org:" + id: id,
		id:                     id,
		"https://vcd.example.com/api/admin/org/" + id:         id,
		"https://vcd.example.com:8443/api/vdc/" + id:          id,
		"urn:vcloud:org:5B0C4A7E-9D7F-4C1A-8F3E-2A6B1C9D0E11": id,
	} {
		if got := uuidOf(in); got != want {
			t.Errorf("uuidOf(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]bool{"urn:vcloud:org:" + id: true, id: true, "acme": false, "acme/vdc-main": false} {
		if got := IsUUIDOrURN(in); got != want {
			t.Errorf("IsUUIDOrURN(%q) = %v", in, got)
		}
	}
}
