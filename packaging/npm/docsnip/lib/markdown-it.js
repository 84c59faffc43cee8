// The markdown-it plugin `docsnip/markdown-it`, for VitePress (which renders Markdown with
// markdown-it, so a remark plugin cannot reach it): each page's source goes through
// `docsnip page` at build and dev time, before VitePress reads its front-matter.
//
//   // docs/.vitepress/config.mjs
//   import docsnip from 'docsnip/markdown-it'
//   export default { markdown: { config: (md) => { md.use(docsnip) } } }
//   // or with options: md.use(docsnip, { config: 'docsnip.yml', languages: ['curl'] })
//
// Options as for `docsnip/remark`: `config` (default: docsnip.yml in the folder the site
// builds from, when present), `languages`, `format`, `cwd` (the folder docsnip runs in, by
// default the current one). The page's path, relative to `cwd`, is what messages name: a
// page docsnip refuses fails the build with PATH:LINE:COL.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { binaryPath } = require('./binary.js');

function markdownItDocsnip(md, options = {}) {
  const bin = binaryPath();
  const cwd = options.cwd ? path.resolve(options.cwd) : process.cwd();
  const args = ['page'];
  if (options.config) args.push('--config', path.resolve(cwd, options.config));
  if (options.format) args.push('--format', options.format);
  if (options.languages) args.push('--lang', [].concat(options.languages).join(','));

  // VitePress's own render (its front-matter plugin wraps md.render) runs on the page
  // docsnip wrote: installed last, this wrapper sees the whole source first.
  const render = md.render.bind(md);
  md.render = (src, env = {}) => {
    const file = env.path;
    if (!file) return render(src, env);
    const shown = path.relative(cwd, file) || file;
    const r = spawnSync(bin, [...args, '--path', shown], {
      cwd,
      input: src,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    const messages = (r.stderr || '').trim();
    if (r.status !== 0) {
      throw new Error(messages || `docsnip page failed on ${shown} (exit ${r.status})`);
    }
    if (messages) console.warn(messages);
    return render(r.stdout, env);
  };
}

module.exports = markdownItDocsnip;
module.exports.default = markdownItDocsnip;
