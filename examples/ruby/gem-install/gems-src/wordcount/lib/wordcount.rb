# frozen_string_literal: true

# A pure-Ruby gem for examples/ruby/gem-install.
module Wordcount
  VERSION = "0.2.0"

  # The words of `text` with their counts, most frequent first, then by word.
  def self.top(text, n = 3)
    text.downcase.scan(/[a-z']+/).tally.sort_by { |word, count| [-count, word] }.first(n)
  end
end
