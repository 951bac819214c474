require "erb"

module App
  module Report
    def self.render(path, name:, items:)
      template = ERB.new(File.read(path), trim_mode: "-")
      template.result_with_hash(name: name, items: items)
    end
  end
end
