# frozen_string_literal: true

# docsnip for Jekyll: copy this file to your site's _plugins/docsnip.rb. Before anything
# is rendered (`jekyll build`, and each rebuild of `jekyll serve`), every Markdown page and
# collection document goes through `docsnip page`, as a build of the site's source folder
# would write it; your files are never rewritten. A page docsnip refuses stops the build
# with docsnip's PATH:LINE:COL message.
#
# Optional, in _config.yml:
#   docsnip:
#     config: docsnip.yml          # default: docsnip.yml in the site's source, when present
#     languages: [curl, python]    # default: the config's languages
#     binary: docsnip              # default: $DOCSNIP_BINARY, else docsnip on PATH
#
# GitHub Pages' own build runs in safe mode, which loads no plugin: there, run
# `docsnip --in-place` before committing (or build the site in an Action).
require "open3"

module Docsnip
  class Generator < Jekyll::Generator
    priority :highest

    def generate(site)
      settings = site.config["docsnip"] || {}
      bin = ENV["DOCSNIP_BINARY"] || settings["binary"] || "docsnip"
      args = [bin, "page"]
      config = settings["config"] || "docsnip.yml"
      config = File.expand_path(config, site.source)
      args += ["--config", config] if settings["config"] || File.file?(config)
      args += ["--lang", Array(settings["languages"]).join(",")] if settings["languages"]
      read_opts = Jekyll::Utils.merged_file_read_opts(site, {})
      (site.pages + site.collections.values.flat_map(&:docs)).each do |item|
        rel = item.relative_path.to_s.sub(%r!\A/!, "")
        next unless rel.end_with?(".md", ".markdown")

        source = File.read(File.join(site.source, rel), **read_opts)
        out, err, status = Open3.capture3(*args, "--path", rel, stdin_data: source, binmode: true,
                                          chdir: site.source)
        raise Jekyll::Errors::FatalException, "docsnip: #{err.strip}" unless status.success?

        err.each_line { |l| Jekyll.logger.warn "docsnip:", l.chomp }
        out.force_encoding(source.encoding)
        next if out == source

        apply(item, out)
      end
    end

    # Jekyll's own reading of a page (front-matter, then content), on docsnip's output.
    def apply(item, out)
      if out =~ Jekyll::Document::YAML_FRONT_MATTER_REGEXP
        item.content = Regexp.last_match.post_match
        data = load_yaml(Regexp.last_match(1)) || {}
        data.each { |k, v| item.data[k] = v }
      else
        item.content = out
      end
    end

    # As Jekyll reads front-matter: SafeYAML upstream; Debian's Jekyll has its own helper.
    def load_yaml(text)
      if Jekyll::Utils.respond_to?(:safe_load_yaml)
        Jekyll::Utils.safe_load_yaml(text)
      else
        SafeYAML.load(text)
      end
    end
  end
end
