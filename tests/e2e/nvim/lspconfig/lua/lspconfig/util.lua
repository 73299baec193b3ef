-- The stand-in's lspconfig.util (see lspconfig.lua): the on_setup hook and the defaults.
return {
  on_setup = nil,
  default_config = { autostart = true, single_file_support = false },
}
