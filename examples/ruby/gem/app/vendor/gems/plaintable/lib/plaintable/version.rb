module PlainTable
  VERSION = "0.3.1"
end
