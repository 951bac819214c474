require_relative "plaintable/version"
require_relative "plaintable/column"

# PlainTable.render(rows) { |t| t.column "Name"; t.column "Qty", align: :right }
module PlainTable
  class Error < StandardError; end

  class Table
    def initialize
      @columns = []
    end

    def column(header, **opts)
      @columns << Column.new(header, **opts)
      self
    end

    def render(rows, border: true)
      raise Error, "no columns" if @columns.empty?

      cells = rows.map do |row|
        raise Error, "row #{row.inspect} has #{row.size} cells for #{@columns.size} columns" if row.size != @columns.size

        @columns.zip(row).map { |col, v| col.text(v) }
      end
      widths = @columns.each_with_index.map { |col, i| ([col.header] + cells.map { |c| c[i] }).map(&:length).max }
      line = ->(texts) { texts.each_with_index.map { |t, i| @columns[i].pad(t, widths[i]) }.join(" | ") }
      rule = widths.map { |w| "-" * w }.join("-+-")
      out = [line.(@columns.map(&:header))]
      out << rule if border
      cells.each { |c| out << line.(c) }
      out.map(&:rstrip).join("\n") + "\n"
    end
  end

  def self.render(rows, **opts)
    table = Table.new
    yield table
    table.render(rows, **opts)
  end
end
