// Source of syntaxes/alloy.tmLanguage.json.
//
// The TextMate grammar is written here as a JavaScript object so that the
// shared regular-expression fragments (identifiers, labels, stdlib names) are
// defined once. `npm run build:grammar` writes the JSON file; the unit test
// `grammar-sync.test` fails when the committed JSON is out of date.
//
// Lexical facts follow the Alloy scanner: identifiers start with a Unicode
// letter or `_` and continue with letters, `_` or Unicode decimal digits;
// `true`, `false`, `null` are the only keywords; strings are "..." with Go
// escapes or `...` raw strings that may span lines; comments are // and /* */.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** One identifier. Oniguruma's \p{L} / \p{Nd} match Unicode letters / decimal digits. */
const ID = String.raw`[\p{L}_][\p{L}\p{Nd}_]*`;
/** Not preceded by an identifier character (or a dot, for chain starts). */
const NOT_AFTER_ID = String.raw`(?<![\p{L}\p{Nd}_])`;
const NOT_AFTER_ID_OR_DOT = String.raw`(?<![\p{L}\p{Nd}_.])`;
/** Not followed by an identifier character. */
const END_ID = String.raw`(?![\p{L}\p{Nd}_])`;
/** Horizontal whitespace only: a newline after a block name or label ends the statement. */
const HS = String.raw`[ \t]*`;
/** A complete double-quoted string on one line (used inside look-aheads and key matches). */
const DQ_STRING = String.raw`"(?:[^"\\\n]|\\.)*"`;
const HEX = '[0-9a-fA-F]';
const RAW_STRING = String.raw`\x60[^\x60]*\x60`;

// Standard library (Alloy 1.x): namespaced functions, plain functions, and the
// deprecated top-level aliases that still work but warn.
const STDLIB = {
  array: ['combine_maps', 'concat', 'group_by'],
  convert: ['nonsensitive'],
  encoding: [
    'from_URLbase64', 'from_base64', 'from_json', 'from_yaml',
    'to_URLbase64', 'to_base64', 'to_json', 'url_decode', 'url_encode',
  ],
  file: ['path_join'],
  string: [
    'format', 'join', 'replace', 'split', 'to_lower', 'to_upper',
    'trim', 'trim_prefix', 'trim_space', 'trim_suffix',
  ],
  sys: ['env'],
};
const STDLIB_TOP = ['coalesce', 'json_path'];
const STDLIB_DEPRECATED = [
  'base64_decode', 'concat', 'env', 'format', 'join', 'json_decode', 'nonsensitive',
  'replace', 'split', 'to_lower', 'to_upper', 'trim', 'trim_prefix', 'trim_space',
  'trim_suffix', 'yaml_decode',
];
const CONSTANTS = ['hostname', 'os', 'arch', 'version'];

const alt = (xs) => xs.join('|');
const STDLIB_NAMESPACED = alt(
  Object.entries(STDLIB).map(([ns, fns]) => String.raw`${ns}${HS}\.${HS}(?:${alt(fns)})`),
);

/** Capture patterns for a dotted prefix such as `string.` or `prometheus.remote_write.`. */
const namespacePrefix = {
  patterns: [
    { match: ID, name: 'entity.name.namespace.alloy' },
    { match: String.raw`\.`, name: 'punctuation.accessor.dot.alloy' },
  ],
};

const callArguments = (beginCaptures, name = 'meta.function-call.alloy') => ({
  name,
  beginCaptures,
  end: String.raw`\)`,
  endCaptures: { 0: { name: 'punctuation.definition.arguments.end.alloy' } },
  contentName: 'meta.function-call.arguments.alloy',
  patterns: [{ include: '#expression' }],
});

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Grafana Alloy',
  scopeName: 'source.alloy',
  fileTypes: ['alloy'],
  patterns: [{ include: '#statements' }],
  repository: {
    // ------------------------------------------------------------------ statements
    statements: {
      patterns: [
        { include: '#comments' },
        { include: '#block' },
        { include: '#attribute' },
        { include: '#expression' },
      ],
    },

    // Block: `name.parts "label" {` ... `}`. The header must be on one line
    // (a newline after the name or label would end the statement).
    block: {
      name: 'meta.block.alloy',
      begin: String.raw`${NOT_AFTER_ID_OR_DOT}(${ID}(?:${HS}\.${HS}${ID})*)${HS}(?:(${DQ_STRING}|${RAW_STRING})${HS})?(\{)`,
      beginCaptures: {
        1: {
          name: 'meta.block.name.alloy',
          patterns: [
            { match: ID, name: 'entity.name.type.block.alloy' },
            { match: String.raw`\.`, name: 'punctuation.accessor.dot.alloy' },
          ],
        },
        2: { patterns: [{ include: '#block-label' }] },
        3: { name: 'punctuation.section.block.begin.alloy' },
      },
      end: String.raw`\}`,
      endCaptures: { 0: { name: 'punctuation.section.block.end.alloy' } },
      contentName: 'meta.block.body.alloy',
      patterns: [{ include: '#statements' }],
    },

    // A label must be a double-quoted, valid identifier (or empty).
    'block-label': {
      patterns: [
        {
          match: String.raw`(")(${ID})?(")`,
          name: 'string.quoted.double.label.alloy',
          captures: {
            1: { name: 'punctuation.definition.string.begin.alloy' },
            2: { name: 'entity.name.label.alloy' },
            3: { name: 'punctuation.definition.string.end.alloy' },
          },
        },
        {
          match: String.raw`(")((?:[^"\\]|\\.)*)(")`,
          name: 'string.quoted.double.label.alloy',
          captures: {
            1: { name: 'punctuation.definition.string.begin.alloy' },
            2: { name: 'invalid.illegal.label.alloy' },
            3: { name: 'punctuation.definition.string.end.alloy' },
          },
        },
        { match: RAW_STRING, name: 'invalid.illegal.label.alloy' },
      ],
    },

    // Attribute: `name = value` (the value is matched by #expression).
    attribute: {
      match: String.raw`${NOT_AFTER_ID_OR_DOT}(${ID})${HS}(=)(?!=)`,
      captures: {
        1: { name: 'entity.other.attribute-name.alloy' },
        2: { name: 'keyword.operator.assignment.alloy' },
      },
    },

    // ------------------------------------------------------------------ comments
    comments: {
      patterns: [{ include: '#block-comment' }, { include: '#line-comment' }],
    },
    'line-comment': {
      name: 'comment.line.double-slash.alloy',
      begin: '//',
      beginCaptures: { 0: { name: 'punctuation.definition.comment.alloy' } },
      end: '$',
    },
    'block-comment': {
      name: 'comment.block.alloy',
      begin: String.raw`/\*`,
      beginCaptures: { 0: { name: 'punctuation.definition.comment.begin.alloy' } },
      end: String.raw`\*/`,
      endCaptures: { 0: { name: 'punctuation.definition.comment.end.alloy' } },
    },

    // ------------------------------------------------------------------ expressions
    expression: {
      patterns: [
        { include: '#comments' },
        { include: '#string-double' },
        { include: '#string-raw' },
        { include: '#string-single' },
        { include: '#number' },
        { include: '#language-constant' },
        { include: '#stdlib-call' },
        { include: '#stdlib-deprecated-call' },
        { include: '#function-call' },
        { include: '#stdlib-constants' },
        { include: '#identifier' },
        { include: '#member-call' },
        { include: '#member' },
        { include: '#object' },
        { include: '#index' },
        { include: '#array' },
        { include: '#call-on-expression' },
        { include: '#group' },
        { include: '#operators' },
        { include: '#punctuation' },
        { include: '#illegal' },
      ],
    },

    'string-double': {
      name: 'string.quoted.double.alloy',
      begin: '"',
      beginCaptures: { 0: { name: 'punctuation.definition.string.begin.alloy' } },
      // A double-quoted string cannot contain a newline: it ends at the line end.
      end: '"|$',
      endCaptures: { 0: { name: 'punctuation.definition.string.end.alloy' } },
      patterns: [{ include: '#string-escapes' }],
    },
    'string-escapes': {
      patterns: [
        { match: String.raw`\\[abfnrtv\\"]`, name: 'constant.character.escape.alloy' },
        // Octal: exactly three digits, value <= 255.
        { match: String.raw`\\[0-3][0-7]{2}`, name: 'constant.character.escape.octal.alloy' },
        { match: String.raw`\\x${HEX}{2}`, name: 'constant.character.escape.hex.alloy' },
        // \u and \U: no surrogates, at most U+10FFFF.
        { match: String.raw`\\u(?![dD][89a-fA-F])${HEX}{4}`, name: 'constant.character.escape.unicode.alloy' },
        {
          match: String.raw`\\U(?:0010${HEX}{4}|000(?!0[dD][89a-fA-F])${HEX}{5})`,
          name: 'constant.character.escape.unicode.alloy',
        },
        // Everything else after a backslash is an error (including \' and truncated forms).
        {
          match: String.raw`\\(?:[xuU]${HEX}*|[0-7]{1,3}|.)?`,
          name: 'invalid.illegal.escape.alloy',
        },
      ],
    },
    'string-raw': {
      name: 'string.quoted.other.raw.alloy',
      begin: '\x60',
      beginCaptures: { 0: { name: 'punctuation.definition.string.begin.alloy' } },
      end: '\x60',
      endCaptures: { 0: { name: 'punctuation.definition.string.end.alloy' } },
    },
    // Single-quoted strings are rejected by Alloy ("use double quotes").
    'string-single': {
      name: 'invalid.illegal.string.single-quoted.alloy',
      begin: "'",
      end: "'|$",
    },

    number: {
      patterns: [
        {
          // An exponent without digits (`10e`, `1.5E+`) is a lexer error.
          match: String.raw`(?:\d+(?:\.\d*)?|\.\d+)[eE](?![+-]?\d)[+-]?`,
          name: 'invalid.illegal.numeric.alloy',
        },
        {
          match: String.raw`(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+`,
          name: 'constant.numeric.float.alloy',
        },
        { match: String.raw`\d+`, name: 'constant.numeric.integer.alloy' },
      ],
    },

    'language-constant': {
      patterns: [
        { match: String.raw`${NOT_AFTER_ID}(?:true|false)${END_ID}`, name: 'constant.language.boolean.alloy' },
        { match: String.raw`${NOT_AFTER_ID}null${END_ID}`, name: 'constant.language.null.alloy' },
      ],
    },

    // string.format(...), sys.env(...), coalesce(...), json_path(...)
    'stdlib-call': callArguments({
      1: namespacePrefix,
      2: { name: 'support.function.builtin.alloy' },
      3: { name: 'punctuation.definition.arguments.begin.alloy' },
    }, 'meta.function-call.alloy'),
    'stdlib-deprecated-call': callArguments({
      1: { name: 'support.function.builtin.deprecated.alloy' },
      2: { name: 'punctuation.definition.arguments.begin.alloy' },
    }),
    'function-call': callArguments({
      1: namespacePrefix,
      2: { name: 'entity.name.function.alloy' },
      3: { name: 'punctuation.definition.arguments.begin.alloy' },
    }),
    // `.name(` after another expression, e.g. `foo[0].bar(`
    'member-call': callArguments({
      1: { name: 'punctuation.accessor.dot.alloy' },
      2: { name: 'entity.name.function.alloy' },
      3: { name: 'punctuation.definition.arguments.begin.alloy' },
    }),
    // `(` directly after `)` or `]`: calling the result of an expression.
    'call-on-expression': callArguments({
      0: { name: 'punctuation.definition.arguments.begin.alloy' },
    }),

    'stdlib-constants': {
      match: String.raw`${NOT_AFTER_ID_OR_DOT}(constants)${HS}(\.)${HS}(${alt(CONSTANTS)})${END_ID}`,
      captures: {
        1: { name: 'support.variable.constants.alloy' },
        2: { name: 'punctuation.accessor.dot.alloy' },
        3: { name: 'support.constant.alloy' },
      },
    },

    // References: `prometheus.remote_write.default.receiver`: the first identifier
    // is a variable, every `.name` after it a member.
    identifier: { match: ID, name: 'variable.other.alloy' },
    member: {
      match: String.raw`(\.)${HS}(${ID})`,
      captures: {
        1: { name: 'punctuation.accessor.dot.alloy' },
        2: { name: 'variable.other.member.alloy' },
      },
    },

    object: {
      name: 'meta.object.alloy',
      begin: String.raw`\{`,
      beginCaptures: { 0: { name: 'punctuation.section.object.begin.alloy' } },
      end: String.raw`\}`,
      endCaptures: { 0: { name: 'punctuation.section.object.end.alloy' } },
      patterns: [
        { include: '#comments' },
        { include: '#object-key' },
        { include: '#expression' },
      ],
    },
    // Keys: identifiers or strings (either quote style) before `=`.
    'object-key': {
      patterns: [
        {
          match: String.raw`${NOT_AFTER_ID_OR_DOT}(${ID})${HS}(=)(?!=)`,
          captures: {
            1: { name: 'meta.object.key.alloy support.type.property-name.alloy' },
            2: { name: 'keyword.operator.assignment.alloy' },
          },
        },
        {
          match: String.raw`(${DQ_STRING}|${RAW_STRING})${HS}(=)(?!=)`,
          captures: {
            1: {
              name: 'meta.object.key.alloy support.type.property-name.alloy',
              patterns: [{ include: '#string-double' }, { include: '#string-raw' }],
            },
            2: { name: 'keyword.operator.assignment.alloy' },
          },
        },
      ],
    },

    array: {
      name: 'meta.array.alloy',
      begin: String.raw`\[`,
      beginCaptures: { 0: { name: 'punctuation.section.array.begin.alloy' } },
      end: String.raw`\]`,
      endCaptures: { 0: { name: 'punctuation.section.array.end.alloy' } },
      patterns: [{ include: '#expression' }],
    },
    // `a[0]`, `f(x)[1]`, `"abc"[0]`: a bracket directly after an operand is an index.
    index: {
      name: 'meta.index.alloy',
      begin: String.raw`(?<=[\p{L}\p{Nd}_)\]"\x60])\[`,
      beginCaptures: { 0: { name: 'punctuation.section.index.begin.alloy' } },
      end: String.raw`\]`,
      endCaptures: { 0: { name: 'punctuation.section.index.end.alloy' } },
      patterns: [{ include: '#expression' }],
    },
    group: {
      name: 'meta.group.alloy',
      begin: String.raw`\(`,
      beginCaptures: { 0: { name: 'punctuation.section.group.begin.alloy' } },
      end: String.raw`\)`,
      endCaptures: { 0: { name: 'punctuation.section.group.end.alloy' } },
      patterns: [{ include: '#expression' }],
    },

    operators: {
      patterns: [
        { match: String.raw`\|\||&&`, name: 'keyword.operator.logical.alloy' },
        { match: String.raw`==|!=|<=|>=|<|>`, name: 'keyword.operator.comparison.alloy' },
        { match: '!', name: 'keyword.operator.logical.alloy' },
        { match: String.raw`[-+*/%^]`, name: 'keyword.operator.arithmetic.alloy' },
        { match: '=', name: 'keyword.operator.assignment.alloy' },
        // A single | or & ("missing second | in ||").
        { match: '[|&]', name: 'invalid.illegal.operator.alloy' },
      ],
    },
    punctuation: {
      patterns: [
        { match: ',', name: 'punctuation.separator.comma.alloy' },
        { match: String.raw`\.`, name: 'punctuation.accessor.dot.alloy' },
      ],
    },
    // Characters the Alloy scanner rejects outside strings and comments
    // (`#` is not a comment in Alloy; `${...}` is not interpolation).
    illegal: {
      match: String.raw`[#$:;?~@\\]`,
      name: 'invalid.illegal.character.alloy',
    },
  },
};

// The three call rules share a begin pattern shape but differ in what they accept.
grammar.repository['stdlib-call'].begin =
  String.raw`${NOT_AFTER_ID_OR_DOT}(?=(?:${STDLIB_NAMESPACED}|${alt(STDLIB_TOP)})${HS}\()((?:${ID}${HS}\.${HS})?)(${ID})${HS}(\()`;
grammar.repository['stdlib-deprecated-call'].begin =
  String.raw`${NOT_AFTER_ID_OR_DOT}(${alt(STDLIB_DEPRECATED)})${HS}(\()`;
grammar.repository['function-call'].begin =
  String.raw`${NOT_AFTER_ID_OR_DOT}((?:${ID}${HS}\.${HS})*)(${ID})${HS}(\()`;
grammar.repository['member-call'].begin = String.raw`(\.)${HS}(${ID})${HS}(\()`;
grammar.repository['call-on-expression'].begin = String.raw`(?<=[)\]])\(`;

// Put `begin` before the other keys so the JSON reads naturally.
function orderKeys(rule) {
  if (Array.isArray(rule)) return rule.map(orderKeys);
  if (rule === null || typeof rule !== 'object') return rule;
  const order = ['name', 'contentName', 'match', 'begin', 'beginCaptures', 'end', 'endCaptures', 'captures', 'patterns'];
  const out = {};
  for (const k of order) if (k in rule) out[k] = orderKeys(rule[k]);
  for (const k of Object.keys(rule)) if (!(k in out)) out[k] = orderKeys(rule[k]);
  return out;
}

export function grammarJson() {
  const g = { ...grammar, repository: {} };
  for (const [k, v] of Object.entries(grammar.repository)) g.repository[k] = orderKeys(v);
  return JSON.stringify(g, null, 2) + '\n';
}

export const stdlib = { STDLIB, STDLIB_TOP, STDLIB_DEPRECATED, CONSTANTS };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'syntaxes', 'alloy.tmLanguage.json');
  writeFileSync(out, grammarJson());
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
