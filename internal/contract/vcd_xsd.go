package contract

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// xsdKey names one body: the exchange's index and its side.
type xsdKey struct {
	exchange int
	side     string
}

// xsdBatch collects XML bodies and validates them against the Cloud
// Director XSDs with as few xmllint runs as possible: compiling the
// schemas takes longer than validating a body, so identical bodies are
// validated once and every distinct body goes to one run (in chunks, to
// keep the command line short).
type xsdBatch struct {
	bodies map[[32]byte][]byte
	users  map[[32]byte][]xsdKey
	order  [][32]byte
	// undescribed marks bodies whose root element the XSDs do not declare.
	undescribed map[xsdKey]bool
}

func (b *xsdBatch) add(k xsdKey, body []byte) {
	if b.bodies == nil {
		b.bodies, b.users = map[[32]byte][]byte{}, map[[32]byte][]xsdKey{}
	}
	h := sha256.Sum256(body)
	if _, ok := b.bodies[h]; !ok {
		b.bodies[h] = body
		b.order = append(b.order, h)
	}
	b.users[h] = append(b.users[h], k)
}

// addStripped adds body without the elements newer than the reference
// schemas (vcd_newer.go); a body that is not XML goes in as it is, for
// xmllint to report.
func (b *xsdBatch) addStripped(k xsdKey, body []byte) {
	if stripped, _, err := stripNewer(body); err == nil {
		body = stripped
	}
	b.add(k, body)
}

// xsdChunk is how many files one xmllint run validates.
const xsdChunk = 1000

// xmllintTool is the validator; tests may point it elsewhere.
var xmllintTool = "xmllint"

// errNoXmllint says the validator is missing, with where to get it.
var errNoXmllint = errors.New("xmllint not found: install Debian's libxml2-utils (make tools does)")

// validate runs xmllint over every body and returns the schema errors of
// each body, by the exchanges and sides that sent it.
func (b *xsdBatch) validate(ref string) (map[xsdKey][]string, error) {
	out := map[xsdKey][]string{}
	if b.undescribed == nil {
		b.undescribed = map[xsdKey]bool{}
	}
	if len(b.order) == 0 {
		return out, nil
	}
	tool, err := exec.LookPath(xmllintTool)
	if err != nil {
		return nil, errNoXmllint
	}
	dir, err := os.MkdirTemp("", "vcd-xsd-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	schema, err := writeWrapperSchema(dir, ref)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(b.order))
	for i, h := range b.order {
		files[i] = filepath.Join(dir, fmt.Sprintf("b%05d.xml", i))
		if err := os.WriteFile(files[i], b.bodies[h], 0o600); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(files); start += xsdChunk {
		end := min(start+xsdChunk, len(files))
		verdicts, err := runXmllint(tool, filepath.Join(ref, vcdCatalog), schema, files[start:end])
		if err != nil {
			return nil, err
		}
		for j := start; j < end; j++ {
			v := verdicts[files[j]]
			for _, k := range b.users[b.order[j]] {
				if v.undeclaredRoot {
					b.undescribed[k] = true
					continue
				}
				out[k] = v.errors
			}
		}
	}
	return out, nil
}

// writeWrapperSchema writes the one schema xmllint is given: it imports
// the vcloud, extension and versions namespaces from the reference.
func writeWrapperSchema(dir, ref string) (string, error) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	sb.WriteString(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">` + "\n")
	for _, imp := range []struct{ ns, file string }{
		{"http://www.vmware.com/vcloud/extension/v1.5", vcdExtensionXSD},
		{nsVCloud, vcdMasterXSD},
		{nsVersions, vcdVersionsXSD},
	} {
		abs, err := filepath.Abs(filepath.Join(ref, imp.file))
		if err != nil {
			return "", err
		}
		u := "file://" + filepath.ToSlash(abs)
		fmt.Fprintf(&sb, "  <xs:import namespace=%q schemaLocation=%q/>\n", imp.ns, u)
	}
	sb.WriteString("</xs:schema>\n")
	p := filepath.Join(dir, "wrapper.xsd")
	return p, os.WriteFile(p, []byte(sb.String()), 0o600)
}

// xsdVerdict is what xmllint said about one file.
type xsdVerdict struct {
	valid          bool
	undeclaredRoot bool
	errors         []string
}

// xmllintLine is one diagnostic: "<file>:<line>: <what>".
var xmllintLine = regexp.MustCompile(`^(.+?\.xml):(\d+): (.*)$`)

// schemaErrorPrefix is stripped from validity errors for readability.
var schemaErrorPrefix = regexp.MustCompile(`^element \S+: Schemas validity error : `)

func runXmllint(tool, catalog, schema string, files []string) (map[string]*xsdVerdict, error) {
	args := append([]string{"--nonet", "--noout", "--schema", schema}, files...)
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	verdicts := map[string]*xsdVerdict{}
	for _, f := range files {
		verdicts[f] = &xsdVerdict{}
	}
	sc := bufio.NewScanner(io.MultiReader(&stdout, &stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutSuffix(line, " validates"); ok && verdicts[f] != nil {
			verdicts[f].valid = true
			continue
		}
		m := xmllintLine.FindStringSubmatch(line)
		if m == nil || verdicts[m[1]] == nil {
			continue // schema compile warnings, parser context lines
		}
		v := verdicts[m[1]]
		msg := schemaErrorPrefix.ReplaceAllString(m[3], "")
		if strings.Contains(msg, "No matching global declaration available for the validation root") {
			v.undeclaredRoot = true
			continue
		}
		if len(v.errors) < 5 {
			v.errors = append(v.errors, fmt.Sprintf("line %s: %s", m[2], msg))
		}
	}
	// xmllint exits 3 or 4 when a file does not validate; a compile
	// failure (5) or anything without per-file verdicts is our problem.
	var exit *exec.ExitError
	if runErr != nil && (!errors.As(runErr, &exit) || exit.ExitCode() == 5) {
		return nil, fmt.Errorf("xmllint: %v: %s", runErr, firstLines(stderr.String(), 5))
	}
	for f, v := range verdicts {
		if !v.valid && !v.undeclaredRoot && len(v.errors) == 0 {
			return nil, fmt.Errorf("xmllint gave no verdict on %s: %s", filepath.Base(f), firstLines(stderr.String(), 5))
		}
	}
	return verdicts, nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
