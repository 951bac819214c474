require "erb"
require_relative "money"

class Report
  include Money

  attr_reader :title, :inventory, :low

  def initialize(inventory, title:, low:, sort:)
    @inventory = inventory
    @title = title
    @low = low
    @sort = sort
  end

  def items
    case @sort
    when :stock then inventory.sort_by { |i| [i.stock, i.sku] }
    when :value then inventory.sort_by { |i| [-i.value_cents, i.sku] }
    else inventory.sort_by { |i| [i.name.downcase, i.sku] }
    end
  end

  def low_stock = items.select { |i| i.stock < low }

  def render(template_path)
    ERB.new(File.read(template_path, encoding: "UTF-8"), trim_mode: "-").result(binding)
  end

  def summary
    { warehouse: inventory.warehouse, items: inventory.count, low_stock: low_stock.map(&:sku),
      total_value: money(inventory.total_value_cents) }
  end
end
