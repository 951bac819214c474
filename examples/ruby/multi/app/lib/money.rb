# Formats cents as "1,234.50 EUR".
module Money
  def money(cents)
    units, rest = cents.divmod(100)
    grouped = units.to_s.reverse.scan(/\d{1,3}/).join(",").reverse
    format("%s.%02d EUR", grouped, rest)
  end
end
