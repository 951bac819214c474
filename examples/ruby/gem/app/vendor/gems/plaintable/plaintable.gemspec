require_relative "lib/plaintable/version"

Gem::Specification.new do |s|
  s.name = "plaintable"
  s.version = PlainTable::VERSION
  s.summary = "Plain-text tables with aligned columns"
  s.description = "A tiny pure-Ruby gem vendored into the wimg gem example."
  s.authors = ["wimg examples"]
  s.license = "MIT"
  s.files = Dir["lib/**/*.rb"]
  s.require_paths = ["lib"]
  s.required_ruby_version = ">= 3.1"
end
