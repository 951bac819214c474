module PlainTable
  # One column: a header, an alignment and how to turn a cell into text.
  class Column
    ALIGNMENTS = %i[left right center].freeze

    attr_reader :header, :align

    def initialize(header, align: :left, format: nil)
      raise ArgumentError, "unknown alignment #{align.inspect}" unless ALIGNMENTS.include?(align)

      @header = header.to_s
      @align = align
      @format = format
    end

    def text(value) = @format ? @format.call(value) : value.to_s

    def pad(text, width)
      case align
      when :right then text.rjust(width)
      when :center then text.center(width)
      else text.ljust(width)
      end
    end
  end
end
