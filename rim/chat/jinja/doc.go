// Package jinja is a small interpreter of the jinja2 subset that Hugging Face
// chat templates use, configured as transformers configures jinja2 for
// apply_chat_template: trim_blocks and lstrip_blocks, the loopcontrols
// extension (break, continue), a tojson filter that is json.dumps with
// ensure_ascii=False and key order kept, and the raise_exception and
// strftime_now globals.
//
// Supported: text, {{ }}, {% %} and {# #} with "-" whitespace control; if /
// elif / else, for with tuple targets, a loop filter, else and the loop
// variable, set (also of namespace attributes), break, continue,
// transformers' {% generation %} block; expressions with jinja2's precedence
// (conditional, or, and, not, comparisons and in, ~, arithmetic with Python
// floor division and modulo, **, unary minus, attribute / item / slice
// access, calls), string, number, list, tuple and dict literals; the str
// methods strip/lstrip/rstrip (with chars), split, startswith/endswith (also
// with tuples), upper, lower, title, capitalize, replace, find, count, join,
// isdigit; dict items/keys/values/get; the filters trim, tojson (indent,
// sort_keys), length/count, string, lower, upper, title, capitalize, safe,
// int, default/d, first, last, list, reverse, join, items, selectattr,
// rejectattr, map, replace, abs; the tests defined, undefined, none, string,
// mapping, boolean, true, false, number, integer, float, sequence, iterable,
// equalto/eq/==, ne, sameas, in, odd, even; the globals namespace, dict,
// range, raise_exception, strftime_now. Values follow Python: None, jinja2's
// Undefined (printed as "", false, an error in arithmetic and attribute
// access), ints and floats printed as Python prints them, insertion-ordered
// dicts.
//
// Not supported, and refused with an error naming the statement: macros,
// call and filter blocks, includes and inheritance, block set, recursive
// loops. A rendering is limited (limits.go) to 64 MiB of output, 10 million
// loop iterations, 64 MiB for any string it builds and 2^20 items for any
// list, 2^30 units of string and list work in all (bytes or items built or
// read), and 256 levels of nesting in the source and in values; past a limit
// Render returns an error naming it.
//
// It exists because no Go Jinja port at hand renders these templates
// correctly (see rim/chat's package comment for the measurement); it is
// checked against Python jinja2 on every template in testdata/chat.
package jinja
