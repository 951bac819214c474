Gem::Specification.new do |s|
  s.name = "wordcount"
  s.version = "0.2.0"
  s.summary = "Counts words"
  s.authors = ["wimg"]
  s.license = "MIT"
  s.required_ruby_version = ">= 3.0"
  s.files = ["lib/wordcount.rb"]
end
