package scoreboard

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestUUID5(t *testing.T) {
	// RFC 4122's DNS namespace and the value Python's uuid.uuid5 gives.
	dns := uuid{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got, want := uuid5(dns, "python.org").String(), "886313e1-3b8a-5372-9b90-0c9aee199e5d"; got != want {
		t.Errorf("uuid5 = %s, want %s", got, want)
	}
}

// stixRequired lists, for every object type the bundle emits, the
// properties STIX 2.1 requires beyond the common ones (type, spec_version,
// id, created, modified), from the specification's property tables
// (sections 4 and 5). A location needs one of region, country or
// latitude/longitude; ours always give the country.
var stixRequired = map[string][]string{
	"attack-pattern": {"name"},
	"identity":       {"name"},
	"indicator":      {"pattern", "pattern_type", "valid_from"},
	"location":       {"country"},
	"relationship":   {"relationship_type", "source_ref", "target_ref"},
	"report":         {"name", "published", "object_refs"},
	"sighting":       {"sighting_of_ref"},
}

var (
	stixUUID      = `[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	stixTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	// Section 3.1: property names are ASCII a–z, 0–9 and _; custom ones
	// (ours start with x_) are 3 to 250 long.
	stixProperty = regexp.MustCompile(`^([a-wyz0-9][a-z0-9_]*|x_[a-z0-9_]{1,248})$`)
)

func TestSTIXBundle(t *testing.T) {
	s := scripted(t)
	var buf bytes.Buffer
	if err := Export(context.Background(), s, "andes-2026-q4", "stix", "json", &buf); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(buf.Bytes(), &bundle); err != nil {
		t.Fatal(err)
	}
	if bundle.Type != "bundle" || !regexp.MustCompile(`^bundle--`+stixUUID+`$`).MatchString(bundle.ID) {
		t.Fatalf("bundle type %q id %q", bundle.Type, bundle.ID)
	}
	byID := map[string]map[string]any{}
	emitted := map[string]int{}
	for _, o := range bundle.Objects {
		typ, _ := o["type"].(string)
		id, _ := o["id"].(string)
		emitted[typ]++
		if byID[id] != nil {
			t.Errorf("id %s used twice", id)
		}
		byID[id] = o
		required, known := stixRequired[typ]
		if !known {
			t.Errorf("%s: type %q has no required-property table in this test", id, typ)
		}
		for _, p := range append([]string{"type", "spec_version", "id", "created", "modified"}, required...) {
			if v, ok := o[p]; !ok || v == "" || v == nil {
				t.Errorf("%s: required property %s is missing", id, p)
			}
		}
		if o["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", id, o["spec_version"])
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(typ) + `--` + stixUUID + `$`).MatchString(id) {
			t.Errorf("id %q is not %s--<UUID>", id, typ)
		}
		for p, v := range o {
			if !stixProperty.MatchString(p) {
				t.Errorf("%s: property name %q", id, p)
			}
			if ts, ok := v.(string); ok && (p == "created" || p == "modified" || p == "valid_from" || p == "published" || strings.HasSuffix(p, "_seen")) &&
				!stixTimestamp.MatchString(ts) {
				t.Errorf("%s: %s %q is not an RFC 3339 UTC timestamp with milliseconds", id, p, ts)
			}
		}
		if o["modified"].(string) < o["created"].(string) {
			t.Errorf("%s: modified before created", id)
		}
		if first, last := o["first_seen"], o["last_seen"]; last != nil && last.(string) <= first.(string) {
			t.Errorf("%s: last_seen %v is not after first_seen %v", id, last, first)
		}
		if typ == "indicator" && (o["pattern_type"] != "stix" || !strings.HasPrefix(o["pattern"].(string), "[")) {
			t.Errorf("%s: pattern %v of type %v", id, o["pattern"], o["pattern_type"])
		}
		if refs, ok := o["external_references"].([]any); ok {
			for _, r := range refs {
				if r.(map[string]any)["source_name"] == "" {
					t.Errorf("%s: external reference without source_name", id)
				}
			}
		}
	}
	// Every reference resolves inside the bundle, to an object of a type
	// the property allows.
	refType := map[string]string{"created_by_ref": "identity", "where_sighted_refs": "identity", "sighting_of_ref": "attack-pattern"}
	for id, o := range byID {
		for p, v := range o {
			var refs []any
			switch {
			case strings.HasSuffix(p, "_ref"):
				refs = []any{v}
			case strings.HasSuffix(p, "_refs"):
				refs = v.([]any)
				if len(refs) == 0 {
					t.Errorf("%s: %s is empty", id, p)
				}
			}
			for _, r := range refs {
				target := byID[r.(string)]
				if target == nil {
					t.Errorf("%s: %s %v is not in the bundle", id, p, r)
				} else if want := refType[p]; want != "" && target["type"] != want {
					t.Errorf("%s: %s points to a %v, want a %s", id, p, target["type"], want)
				}
			}
		}
	}
	// Two attacks, seven runs that ran (one could not), three matched
	// reports, two indicators.
	for typ, want := range map[string]int{"attack-pattern": 2, "sighting": 7, "report": 3, "indicator": 2, "identity": 5, "location": 2} {
		if emitted[typ] != want {
			t.Errorf("%d objects of type %s, want %d", emitted[typ], typ, want)
		}
	}
}

func TestSTIXPattern(t *testing.T) {
	for _, tc := range []struct{ kind, value, want string }{
		{IndicatorIPv4, "10.66.0.0/24", "[ipv4-addr:value = '10.66.0.0/24']"},
		{IndicatorURL, "http://portal/login?u=a", "[url:value = 'http://portal/login?u=a']"},
		{IndicatorSHA256, strings.Repeat("ab", 32), "[file:hashes.'SHA-256' = '" + strings.Repeat("ab", 32) + "']"},
		{IndicatorDomain, `odd'name\.example`, `[domain-name:value = 'odd\'name\\.example']`},
	} {
		if got := stixPattern(tc.kind, tc.value); got != tc.want {
			t.Errorf("pattern %s, want %s", got, tc.want)
		}
	}
}
