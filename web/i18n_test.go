package web

import (
	"strings"
	"testing"
)

// TestCatalogBuilds: the catalog the server uses merged without an error.
func TestCatalogBuilds(t *testing.T) {
	if catalogErr != nil {
		t.Fatal(catalogErr)
	}
	c, err := buildCatalog(languages, features)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		if len(c[lang]) != len(catalogs[lang]) {
			t.Errorf("%s: built %d messages, the catalog has %d", lang, len(c[lang]), len(catalogs[lang]))
		}
	}
}

// TestBuildCatalog: every mistake in the features is reported, with its
// feature, language and key.
func TestBuildCatalog(t *testing.T) {
	langs := []string{"en", "es"}
	tests := []struct {
		name     string
		features []feature
		want     []string
	}{
		{"whole", []feature{
			{"a", map[string]map[string]string{"en": {"a.x": "x"}, "es": {"a.x": "equis"}}},
			{"b", map[string]map[string]string{"en": {"b.y": "y"}, "es": {"b.y": "i griega"}}},
		}, nil},
		{"a key in two features", []feature{
			{"a", map[string]map[string]string{"en": {"k": "x"}, "es": {"k": "equis"}}},
			{"b", map[string]map[string]string{"en": {"k": "y"}, "es": {"k": "i griega"}}},
		}, []string{`web: b: message "k" (en) is also in a`, `web: b: message "k" (es) is also in a`}},
		{"a key in one language only", []feature{
			{"a", map[string]map[string]string{"en": {"k": "x", "l": "l"}, "es": {"k": "equis", "m": "eme"}}},
		}, []string{`web: a: es lacks "l"`, `web: a: es has "m", which en lacks`}},
		{"a language not spoken", []feature{
			{"a", map[string]map[string]string{"en": {"k": "x"}, "es": {"k": "equis"}, "fr": {"k": "ixe"}}},
		}, []string{`web: a: strings in "fr", which is not one of the languages [en es]`}},
		{"a language missing", []feature{
			{"a", map[string]map[string]string{"en": {"k": "x"}}},
		}, []string{`web: a: es lacks "k"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := buildCatalog(langs, tt.features)
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.want == nil && c["es"]["a.x"] != "equis" {
				t.Errorf(`c["es"]["a.x"] = %q, want "equis"`, c["es"]["a.x"])
			}
		})
	}
}
