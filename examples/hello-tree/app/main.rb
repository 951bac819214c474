require_relative "lib/greeting"
puts Greeting.new.text
