package vcd

import (
	"reflect"
	"testing"
)

func TestQueryParsing(t *testing.T) {
	for raw, want := range map[string]map[string]string{
		"&type=providerVdc&filter=name==pvdc%201&filterEncoded=true":             {"name": "pvdc 1"},
		"filter=name==a+b;providerVdc==https://x/api/admin/providervdc/1&type=t": {"name": "a b", "providerVdc": "https://x/api/admin/providervdc/1"},
		"type=t&filter=name%3D%3Dgold":                                           {"name": "gold"},
		"type=t&filter=(name==gold)":                                             {"name": "gold"},
		"type=t":                                                                 {},
	} {
		got, err := filterConds(queryParams(raw)["filter"])
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, %v; want %v", raw, got, err, want)
		}
	}
	if _, err := filterConds("name=gt=3"); err == nil {
		t.Error("want an error for an unsupported operator")
	}
}
