# The app the browser page runs (examples/ruby/browser/README.md): it loads
# json and erb from the standard library embedded in the image, its own code
# with require_relative and its data and template from /app, all read through
# the image's file system (the page gives the WASI shim no files at all).
require "json"
require "erb"
require_relative "lib/inventory"

inventory = Inventory.load(File.join(__dir__, "data", "inventory.json"))
template = ERB.new(File.read(File.join(__dir__, "templates", "report.html.erb")), trim_mode: "-")
puts template.result_with_hash(inventory: inventory, ruby: RUBY_VERSION[/\A\d+\.\d+/])
puts JSON.generate({ "items" => inventory.items.size, "total_cents" => inventory.total_cents })
