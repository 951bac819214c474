Gem::Specification.new do |s|
  s.name = "greeter"
  s.version = "1.0.0"
  s.summary = "Greets by name"
  s.authors = ["wimg"]
  s.license = "MIT"
  s.required_ruby_version = ">= 3.0"
  s.files = ["lib/greeter.rb"]
end
