# Inventory: items read from a JSON file, with their total value.
class Inventory
  Item = Struct.new(:name, :quantity, :price_cents) do
    def value_cents = quantity * price_cents
  end

  attr_reader :items

  def self.load(path)
    rows = JSON.parse(File.read(path))
    new(rows.map { |r| Item.new(r.fetch("name"), r.fetch("quantity"), r.fetch("price_cents")) })
  end

  def initialize(items)
    @items = items.sort_by { |i| [-i.value_cents, i.name] }
  end

  def total_cents = items.sum(&:value_cents)

  def self.money(cents) = format("%d.%02d", cents / 100, cents % 100)
end
