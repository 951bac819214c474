require "json"

# An item of the inventory: value is stock * unit price, in cents.
Item = Struct.new(:sku, :name, :stock, :price_cents, :tags, keyword_init: true) do
  def value_cents = stock * price_cents
end

class Inventory
  include Enumerable

  def self.load(path)
    doc = JSON.parse(File.read(path, encoding: "UTF-8"), symbolize_names: true)
    raise ArgumentError, "#{path}: unsupported version #{doc[:version]}" unless doc[:version] == 1

    new(doc[:warehouse], doc[:items].map { |h| Item.new(**h) })
  end

  attr_reader :warehouse

  def initialize(warehouse, items)
    @warehouse = warehouse
    @items = items
  end

  def each(&) = @items.each(&)

  def total_value_cents = sum(&:value_cents)

  def tags = flat_map(&:tags).tally.sort_by { |tag, n| [-n, tag] }
end
