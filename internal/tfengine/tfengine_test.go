package tfengine

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      Engine
		err       bool
	}{
		{"terraform", "Terraform v1.5.7\non linux_amd64\n", Engine{Terraform, "1.5.7"}, false},
		{"opentofu", "OpenTofu v1.12.6\non linux_amd64\n", Engine{OpenTofu, "1.12.6"}, false},
		{"opentofu after a CLI config warning",
			"\nWarning: Unable to open CLI configuration file\n\nThe CLI configuration file at \"/root/.terraformrc\" does not exist.\nOpenTofu v1.12.6\non linux_amd64\n",
			Engine{OpenTofu, "1.12.6"}, false},
		{"prerelease", "Terraform v1.11.0-beta1\n", Engine{Terraform, "1.11.0-beta1"}, false},
		{"a warning that names Terraform in prose", "Terraform vs OpenTofu\nOpenTofu v1.12.6\n", Engine{OpenTofu, "1.12.6"}, false},
		{"neither", "something else v1\n", Engine{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.out))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("Parse = %+v, %v; want %+v (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		version, min string
		want         bool
	}{
		{"1.5.7", "1.11", false},
		{"1.11.0", "1.11", true},
		{"1.12.6", "1.11", true},
		{"1.11.0-beta1", "1.11", false},
		{"2.0.0", "1.11", true},
		{"", "1.11", false},
		{"not-a-version", "1.11", false},
	} {
		if got := (Engine{Terraform, tc.version}).AtLeast(tc.min); got != tc.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tc.version, tc.min, got, tc.want)
		}
	}
}

func TestHasWriteOnlyArguments(t *testing.T) {
	for _, tc := range []struct {
		e    Engine
		want bool
	}{
		{Engine{Terraform, "1.5.7"}, false},
		{Engine{Terraform, "1.11.4"}, true},
		{Engine{OpenTofu, "1.10.7"}, false},
		{Engine{OpenTofu, "1.12.6"}, true},
	} {
		if got := tc.e.HasWriteOnlyArguments(); got != tc.want {
			t.Errorf("%+v.HasWriteOnlyArguments() = %v, want %v", tc.e, got, tc.want)
		}
	}
}
