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
