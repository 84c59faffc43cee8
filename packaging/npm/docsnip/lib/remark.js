// The remark plugin `docsnip/remark`: each Markdown/MDX file's source goes through
// `docsnip page` at build and dev time, and the tree is parsed again from its output.
//
//   // docusaurus.config.js: presets > classic > docs
//   beforeDefaultRemarkPlugins: [require('docsnip/remark')],
//   // or with options: [[require('docsnip/remark'), { config: 'docsnip.yml', languages: ['curl'] }]]
//
// Options: `config` (default: docsnip.yml in the folder the site builds from, when
// present), `languages`, `format` (default: the config's `format:`), `cwd` (the folder
// docsnip runs in, by default the current one). The file's path, relative to `cwd`, is
// what messages name: a page docsnip refuses fails the build with PATH:LINE:COL.
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const { binaryPath } = require('./binary.js');

const FRONT_MATTER = /^(?:\ufeff)?---[ \t]*\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/;

function run(bin, args, input, cwd) {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      args,
      { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin.end(input);
  });
}

function remarkDocsnip(options = {}) {
  const processor = this;
  const bin = binaryPath();
  const cwd = options.cwd ? path.resolve(options.cwd) : process.cwd();
  const args = ['page'];
  if (options.config) args.push('--config', path.resolve(cwd, options.config));
  if (options.format) args.push('--format', options.format);
  if (options.languages) args.push('--lang', [].concat(options.languages).join(','));

  return async function transformer(tree, file) {
    if (!file.path) return;
    const source = await fs.readFile(file.path);
    const shown = path.relative(cwd, file.path) || file.path;
    const r = await run(bin, [...args, '--path', shown], source, cwd);
    const messages = r.stderr.toString('utf8').trim();
    if (r.code !== 0) {
      throw new Error(messages || `docsnip page failed on ${shown} (exit ${r.code})`);
    }
    if (messages) console.warn(messages);
    if (r.stdout.equals(source)) return;
    const text = source.toString('utf8');
    const out = r.stdout.toString('utf8');
    // The toolchain gave remark the page without its front-matter: remove the same
    // prefix from docsnip's output (or, if docsnip changed it, the output's own).
    const value = String(file.value);
    let body;
    const prefix = text.endsWith(value) ? text.slice(0, text.length - value.length) : null;
    if (prefix !== null && out.startsWith(prefix)) body = out.slice(prefix.length);
    else if (prefix === '') body = out;
    else body = out.replace(FRONT_MATTER, '');
    const fresh = processor.parse(body);
    tree.children = fresh.children;
    file.value = body;
  };
}

module.exports = remarkDocsnip;
module.exports.default = remarkDocsnip;
