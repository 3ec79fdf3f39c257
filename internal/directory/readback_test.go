package directory

import (
	"context"
	"errors"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// After an add went through, a dropped connection on the read that follows
// is asked again; an answer (not found, refused) is not.
func TestReadBackRetriesOnlyTransportErrors(t *testing.T) {
	calls := 0
	got, err := readBack(context.Background(), func() (string, error) {
		calls++
		if calls < 3 {
			// As c.do reports it: wrapped.
			return "", wrap(ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed")))
		}
		return "guid", nil
	})
	if err != nil || got != "guid" || calls != 3 {
		t.Fatalf("readBack = %q, %v after %d calls; want the object after 3", got, err, calls)
	}
	calls = 0
	_, err = readBack(context.Background(), func() (string, error) {
		calls++
		return "", wrap(ldap.NewError(ldap.LDAPResultNoSuchObject, errors.New("gone")))
	})
	if !errors.Is(err, ErrNotFound) || calls != 1 {
		t.Fatalf("an answer was retried: %v after %d calls", err, calls)
	}
}
