# An inventory report: command-line options (optparse), a JSON data file,
# an ERB template, and the app's own code split over files loaded with
# require_relative. Everything it reads comes from /app in the image.
require "optparse"
require "json"
require "erb"
require_relative "lib/inventory"
require_relative "lib/report"

options = { title: "Inventory", low: 5, sort: :name, json: false }
parser = OptionParser.new do |o|
  o.banner = "usage: #{File.basename($0)} [options]"
  o.on("-t", "--title TITLE", "report title") { |v| options[:title] = v }
  o.on("-l", "--low N", Integer, "flag items with fewer than N in stock") { |v| options[:low] = v }
  o.on("-s", "--sort FIELD", %i[name stock value], "sort by name, stock or value") { |v| options[:sort] = v }
  o.on("-j", "--json", "also print a JSON summary") { options[:json] = true }
end
begin
  parser.parse!(ARGV)
rescue OptionParser::ParseError => e
  warn e.message
  warn parser.banner
  exit 2
end

data = File.join(__dir__, "data", "inventory.json")
inventory = Inventory.load(data)
report = Report.new(inventory, title: options[:title], low: options[:low], sort: options[:sort])
puts report.render(File.join(__dir__, "templates", "report.erb"))
puts JSON.generate(report.summary) if options[:json]
