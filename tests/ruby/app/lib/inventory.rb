require "set"
require "digest"

module App
  # Dir.glob and File.stat over a tree; prints only what every correct file
  # system agrees on (names, types, file sizes, contents), never inodes,
  # times, link counts or directory sizes.
  class Inventory
    attr_reader :files

    def initialize(root)
      @root = root
      @entries = Dir.glob("**/*", File::FNM_DOTMATCH, base: root)
                    .reject { |n| n.split("/").any? { |c| c == "." || c == ".." } }
                    .sort
      @files = @entries.select { |n| File.file?(File.join(root, n)) }
    end

    def each_line
      dirs = @entries.count { |n| File.directory?(File.join(@root, n)) }
      yield "inventory #{@entries.size} entries, #{@files.size} files, #{dirs} dirs"
      exts = Set.new
      @entries.each do |n|
        st = File.stat(File.join(@root, n))
        if st.file? && n.end_with?(".rb")
          # The app's code: its content is proven by running it; sizes and
          # digests here would make every code edit an expected.txt edit.
          exts << File.extname(n)
          yield "  #{st.ftype} #{n} readable=#{st.readable?} nonempty=#{st.size > 0}"
        elsif st.file?
          exts << File.extname(n)
          sha = Digest::SHA256.file(File.join(@root, n)).hexdigest[0, 16]
          yield "  #{st.ftype} #{n} size=#{st.size} sha=#{sha} readable=#{st.readable?}"
        else
          yield "  #{st.ftype} #{n}/ children=#{Dir.children(File.join(@root, n)).sort.join(",")}"
        end
      end
      yield "extensions #{exts.to_a.sort.join(" ")}"
      rb = Dir.glob("**/*.rb", base: @root).sort
      yield "glob **/*.rb #{rb.join(" ")}"
      yield "glob {data,templates}/*.{txt,erb} #{Dir.glob("{data,templates}/*.{txt,erb}", base: @root).sort.join(" ")}"
    end

    def self.stdlib_summary(dir)
      rb = Dir.glob("**/*.rb", base: dir).sort
      bytes = rb.sum { |n| File.size(File.join(dir, n)) }
      h = Digest::SHA256.new
      rb.each { |n| h << n << "\0" }
      "#{rb.size} .rb files, #{bytes} bytes, names sha=#{h.hexdigest[0, 16]}"
    end
  end
end
