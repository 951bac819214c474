module App
  module Check
    class Failed < StandardError; end

    def check(cond, what)
      raise Failed, "check failed: #{what}" unless cond
    end
    module_function :check
  end
end
