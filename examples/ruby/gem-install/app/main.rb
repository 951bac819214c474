# Uses the two gems `RUN gem install --local` put into the image.
require "greeter"
require "wordcount"

puts Greeter.hello("wimg")
Wordcount.top("the cat and the hat and the bat").each { |word, count| puts "#{word}: #{count}" }
puts "gems: " + Gem.loaded_specs.values_at("greeter", "wordcount").map(&:full_name).join(", ")
