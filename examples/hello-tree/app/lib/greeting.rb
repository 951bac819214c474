class Greeting
  def text = "Hello, wimg"
end
