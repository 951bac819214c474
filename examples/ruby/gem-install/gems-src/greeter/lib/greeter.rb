# frozen_string_literal: true

# A pure-Ruby gem for examples/ruby/gem-install.
module Greeter
  VERSION = "1.0.0"

  def self.hello(name) = "Hello, #{name}!"
end
