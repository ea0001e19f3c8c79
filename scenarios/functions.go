package scenarios

import (
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// weakPasswords is the list weak_secret() picks from. The attacker image ships
// the same file as its spraying wordlist, so an undefended team's weak
// password is always found, as it would be in a real spraying campaign.
//
//go:embed images/attacker/weak-passwords.txt
var weakPasswordsFile string

var weakPasswords = strings.Fields(weakPasswordsFile)

// standardFunctions are the HCL functions available everywhere.
func standardFunctions() map[string]function.Function {
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"chomp":      stdlib.ChompFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"element":    stdlib.ElementFunc,
		"flatten":    stdlib.FlattenFunc,
		"floor":      stdlib.FloorFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"indent":     stdlib.IndentFunc,
		"join":       stdlib.JoinFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"min":        stdlib.MinFunc,
		"range":      boundedRange(),
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    stdlib.ReplaceFunc,
		"reverse":    stdlib.ReverseListFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"split":      stdlib.SplitFunc,
		"strrev":     stdlib.ReverseFunc,
		"substr":     stdlib.SubstrFunc,
		"title":      stdlib.TitleFunc,
		"tostring":   stdlib.MakeToFunc(cty.String),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
		"zipmap":     stdlib.ZipmapFunc,
	}
}

// maxRange bounds range(), so a scenario cannot make the loader build a list
// of billions of numbers.
const maxRange = 4096

func boundedRange() function.Function {
	return function.New(&function.Spec{
		Description: "Like the standard range(), for at most 4096 numbers.",
		VarParam:    stdlib.RangeFunc.VarParam(),
		Type:        function.StaticReturnType(cty.List(cty.Number)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			nums := make([]float64, len(args))
			for i, a := range args {
				if a.IsNull() || !a.IsKnown() || a.Type() != cty.Number {
					return stdlib.RangeFunc.Call(args) // reports the mistake itself
				}
				nums[i], _ = a.AsBigFloat().Float64()
			}
			start, limit, step := 0.0, 0.0, 1.0
			switch len(nums) {
			case 1:
				limit = nums[0]
			case 2:
				start, limit = nums[0], nums[1]
			case 3:
				start, limit, step = nums[0], nums[1], nums[2]
			}
			if step != 0 && math.Abs((limit-start)/step) > maxRange {
				return cty.NilVal, fmt.Errorf("range() gives at most %d numbers", maxRange)
			}
			return stdlib.RangeFunc.Call(args)
		},
	})
}

// fileFunc returns file(path): the contents of a file inside the scenario's
// folder, as UTF-8 text.
func fileFunc(fsys fs.FS) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a text file inside the scenario's folder.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name, err := cleanRelative(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if fsys == nil {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("no scenario folder to read %q from", name))
			}
			data, err := readLimited(fsys, name)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("cannot read %q in the scenario's folder: %v; check the name, relative to the folder of the scenario's .hcl files", name, unwrapPathError(err)))
			}
			if !utf8.Valid(data) {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("%q is not UTF-8 text; file() reads text files only", name))
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

// secretFunc returns secret(label): a random-looking value that differs per
// team and per label, and is the same every time for the same seed,
// exercise, team and label, so attacks, checks and challenges that name the
// same secret agree, and a rerun with the same seed reproduces it.
func secretFunc(key []byte) function.Function {
	return function.New(&function.Spec{
		Description: "A per-team random value, stable for a team and a label.",
		Params:      []function.Parameter{{Name: "label", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(Secret(key, args[0].AsString())), nil
		},
	})
}

// weakSecretFunc returns weak_secret(label): a per-team choice from a list of
// common weak passwords, for drills where the password is the weakness.
func weakSecretFunc(key []byte) function.Function {
	return function.New(&function.Spec{
		Description: "A per-team weak password from a list of common ones, stable for a team and a label.",
		Params:      []function.Parameter{{Name: "label", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(WeakSecret(key, args[0].AsString())), nil
		},
	})
}

const secretAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// TeamKey derives the key from which a team's secrets are made.
func TeamKey(seed, exercise, team string) []byte {
	m := hmac.New(sha256.New, []byte(seed))
	fmt.Fprintf(m, "cordillera/team-key\x00%s\x00%s", exercise, team)
	return m.Sum(nil)
}

func labelHash(key []byte, kind, label string) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\x00%s", kind, label)
	return m.Sum(nil)
}

// Secret is the value secret(label) has for the team whose key is given: 16
// characters with no look-alikes (no 0/O, 1/l/I).
func Secret(key []byte, label string) string {
	sum := labelHash(key, "secret", label)
	out := make([]byte, 16)
	for i := range out {
		out[i] = secretAlphabet[int(sum[i])%len(secretAlphabet)]
	}
	return string(out)
}

// WeakSecret is the value weak_secret(label) has for the team whose key is
// given.
func WeakSecret(key []byte, label string) string {
	sum := labelHash(key, "weak", label)
	return weakPasswords[binary.BigEndian.Uint64(sum)%uint64(len(weakPasswords))]
}

// WeakPasswords returns the list weak_secret() chooses from.
func WeakPasswords() []string {
	return append([]string(nil), weakPasswords...)
}

// staticContext is the evaluation context of attributes that are the same for
// every team: functions, but no variables. What is evaluated in it, or in a
// child of it, spends b (see addBudget).
func staticContext(fsys fs.FS, b *budget) *hcl.EvalContext {
	fns := standardFunctions()
	fns["file"] = fileFunc(fsys)
	for _, name := range []string{"secret", "weak_secret"} {
		fns[name] = perTeamOnly(name)
	}
	ctx := &hcl.EvalContext{Functions: fns}
	addBudget(ctx, b)
	return ctx
}

// perTeamOnly stands in for a per-team function where only constants are
// allowed, so the user learns why it fails there rather than that it does not
// exist.
func perTeamOnly(name string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "label", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.NilVal, fmt.Errorf("%s() gives a value per team, and this argument is the same for every team; use %s() in env, command, run, checks, success criteria or challenge answers", name, name)
		},
	})
}
