// Where this platform's docsnip binary is: the @docsnip/OS-ARCH package installed as an
// optional dependency (the esbuild/Biome layout), or DOCSNIP_BINARY.
'use strict';

// One entry per platform package that scripts/package.sh builds.
const PLATFORMS = {
  'linux-x64': '@docsnip/linux-x64',
};

function binaryPath() {
  if (process.env.DOCSNIP_BINARY) return process.env.DOCSNIP_BINARY;
  const key = `${process.platform}-${process.arch}`;
  const pkg = PLATFORMS[key];
  if (!pkg) {
    throw new Error(
      `docsnip: no binary package for ${key} (built: ${Object.keys(PLATFORMS).join(', ')}); ` +
        'build docsnip with `cargo install --locked` and set DOCSNIP_BINARY to it',
    );
  }
  const exe = process.platform === 'win32' ? 'docsnip.exe' : 'docsnip';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `docsnip: the package ${pkg} is not installed (it holds the binary for ${key}); ` +
        'install it next to docsnip, e.g. npm install ./dist/docsnip-linux-x64-*.tgz ./dist/docsnip-*.tgz',
    );
  }
}

module.exports = { binaryPath, PLATFORMS };
