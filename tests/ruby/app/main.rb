# The wimg Ruby test app: loaded as /app/main.rb (tests/ruby/boot.rb does
# `load "/app/main.rb"`), with the standard library at /usr/local/lib/ruby.
# Prints a deterministic transcript ending in "OK"; raises on any failed check.
require "json"
require "set"
require "erb"
require "time"
require "optparse"
require "fileutils"
require "digest"

require_relative "lib/check"
require_relative "lib/options"
require_relative "lib/inventory"
require_relative "lib/report"
require_relative "lib/churn"

include App::Check

puts "ruby #{RUBY_VERSION} #{RUBY_PLATFORM}"
puts "app dir #{__dir__}"
puts "json #{JSON::VERSION} erb #{ERB.version} optparse #{OptionParser::Version}"

# optparse
opts = App::Options.parse(%w[--name demo --count 3 -v rest1 --tag a --tag b rest2])
puts "options #{opts.to_json}"
check(opts[:count] == 3 && opts[:verbose] && opts[:rest] == %w[rest1 rest2], "options")

# json
config = JSON.parse(File.read(File.join(__dir__, "data", "config.json")), symbolize_names: true)
puts "config keys #{config.keys.join(",")}"
puts "config #{JSON.generate(config)}"
check(JSON.parse(JSON.pretty_generate(config), symbolize_names: true) == config, "json round trip")

# set
a = Set.new(config[:primes])
b = Set.new(config[:odds])
puts "set & #{(a & b).to_a.sort.inspect} | #{(a | b).size} - #{(a - b).to_a.sort.inspect} subset #{Set[3, 5] <= a}"

# time
t = Time.iso8601(config[:released])
puts "time #{t.utc.iso8601} +1h #{(t + 3600).utc.iso8601} wday #{t.wday} yday #{t.yday}"
puts "time parse #{Time.parse("2001-02-03 04:05:06 UTC").utc.strftime("%Y-%m-%dT%H:%M:%S %a %j")}"
puts "time rfc2822 #{Time.rfc2822("Sat, 01 Mar 2025 12:00:00 +0000").utc.httpdate}"

# Dir.glob, File.stat, FileUtils, Set over the app's own files
inv = App::Inventory.new(__dir__)
inv.each_line { |l| puts l }
same = FileUtils.compare_file(File.join(__dir__, "data/a.txt"), File.join(__dir__, "data/nested/a_copy.txt"))
diff = FileUtils.compare_file(File.join(__dir__, "data/a.txt"), File.join(__dir__, "data/b.txt"))
puts "compare_file same=#{same} diff=#{diff}"
check(same && !diff, "compare_file")
begin
  File.read(File.join(__dir__, "data/missing.txt"))
  check(false, "missing file opened")
rescue Errno::ENOENT => e
  puts "missing #{e.class}"
end

# the standard library as files
std = App::Inventory.stdlib_summary(RbConfig::CONFIG["rubylibdir"])
puts "stdlib #{std}"

# erb
puts App::Report.render(File.join(__dir__, "templates/report.erb"), name: opts[:name], items: inv.files.first(4))

# GC and allocation churn interleaved with file reads
App::Churn.run(__dir__, RbConfig::CONFIG["rubylibdir"]) { |l| puts l }

puts "OK"
