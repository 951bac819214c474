# Loaded at build time by PREINIT ["-r", "/app/boot.rb"] (test_preinit.sh).
module PreinitBoot
  def self.loaded = "at-build"
end
