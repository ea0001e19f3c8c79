# Brackets, as in a summary of 70,000 nested [ ].
inject "deep" {
  at      = "1m"
  subject = "s"
  body    = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] # ERROR: Nesting too deep
}
