# Uses the vendored gem plaintable (vendor/gems/plaintable): its lib/ is on
# the load path through ENTRYPOINT's `-I`, so a plain `require` finds it.
require "plaintable"

planets = [
  ["Mercury", 0.387, 0.055, 0],
  ["Venus", 0.723, 0.815, 0],
  ["Earth", 1.0, 1.0, 1],
  ["Mars", 1.524, 0.107, 2],
  ["Jupiter", 5.203, 317.8, 95],
]

puts "plaintable #{PlainTable::VERSION} from #{$LOADED_FEATURES.grep(%r{/plaintable\.rb\z}).first}"
puts PlainTable.render(planets) { |t|
  t.column "planet"
  t.column "a (AU)", align: :right, format: ->(v) { format("%.3f", v) }
  t.column "mass (Earth)", align: :right, format: ->(v) { format("%.3f", v) }
  t.column "moons", align: :center
}
begin
  PlainTable.render([["too", "many"]]) { |t| t.column "one" }
rescue PlainTable::Error => e
  puts "error: #{e.message}"
end
