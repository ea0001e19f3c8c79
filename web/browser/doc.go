// Package browser holds Cordillera's browser tests: Debian's Chromium,
// driven from Go with chromedp, walks the web interface as its users do
// (an instructor, trainees of two teams, a program manager) against an
// in-process server on a real SQLite file and a director on the real Docker
// engine. The package has no code outside its tests.
//
// The tests save screenshots of the key pages, in both languages, to
// $CORDILLERA_ARTIFACTS/screenshots, or .artifacts/screenshots at the top
// of the repository. Without Chromium they skip, unless CI=true or
// CORDILLERA_REQUIRE_BROWSER is set, when they fail; `make browser` runs
// them alone.
package browser
