require "optparse"

module App
  module Options
    def self.parse(argv)
      opts = { name: "none", count: 1, verbose: false, tags: [] }
      parser = OptionParser.new do |o|
        o.banner = "usage: app [options]"
        o.on("--name NAME", String) { |v| opts[:name] = v }
        o.on("--count N", Integer) { |v| opts[:count] = v }
        o.on("-v", "--[no-]verbose") { |v| opts[:verbose] = v }
        o.on("--tag TAG") { |v| opts[:tags] << v }
      end
      opts[:rest] = parser.parse(argv)
      begin
        parser.parse(%w[--count notanumber])
        raise "optparse accepted a bad integer"
      rescue OptionParser::InvalidArgument => e
        opts[:error] = e.message
      end
      opts
    end
  end
end
