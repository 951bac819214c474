# The bench's require-heavy workload (bench/ruby.sh): loads eight stdlib
# libraries and uses each a little. Its output is deterministic and checked
# against expected.txt for every sample, so a column that cannot find its
# stdlib (or a library) cannot produce a fast number.
require "json"
require "set"
require "erb"
require "time"
require "optparse"
require "fileutils"
require "securerandom"
require "logger"
require "stringio"

out = []

data = JSON.parse('{"name":"wimg","layers":[1,2,3],"ok":true}')
data["sum"] = data["layers"].sum
out << "json: #{JSON.generate(data)}"

s = Set.new(%w[ruby wasm wasi ruby])
s << "wimg"
out << "set: #{s.size} #{s.include?("wasi")} #{s.to_a.sort.join(",")}"

tpl = ERB.new("<% items.each do |i| %><%= i %>;<% end %>total=<%= items.sum %>", trim_mode: "-")
items = [3, 5, 8]
out << "erb: #{tpl.result(binding)}"

t = Time.iso8601("2024-02-29T12:34:56Z")
out << "time: #{t.to_i} #{(t + 86_400).utc.iso8601} #{Time.parse("2001-02-03 04:05:06 UTC").utc.httpdate}"

opts = {}
OptionParser.new do |o|
  o.on("-v", "--verbose") { opts[:verbose] = true }
  o.on("-nNAME", "--name NAME") { |v| opts[:name] = v }
  o.on("--count N", Integer) { |v| opts[:count] = v }
end.parse!(rest = %w[--verbose -n bench --count 42 file.rb])
out << "optparse: #{opts.sort.map { |k, v| "#{k}=#{v}" }.join(" ")} rest=#{rest.join(",")}"

lib = $LOADED_FEATURES.find { |f| f.end_with?("/json.rb") }
out << "fileutils: #{FileUtils.compare_file(lib, lib)} #{File.dirname(lib)}"

hex = SecureRandom.hex(16)
uuid = SecureRandom.uuid
out << "securerandom: #{hex.match?(/\A\h{32}\z/)} #{uuid.match?(/\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/)}"

io = StringIO.new
log = Logger.new(io, progname: "bench")
log.formatter = proc { |sev, _time, prog, msg| "#{sev} #{prog}: #{msg}\n" }
log.info("started")
log.debug("details")
log.level = Logger::WARN
log.info("hidden")
log.warn("done")
out << "logger: #{io.string.lines.map(&:chomp).join(" | ")}"

puts out
puts "ruby-bench: #{RUBY_VERSION} ok #{out.size}"
